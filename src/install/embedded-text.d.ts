/** initrd-hooks/ scripts imported as text (`with { type: "text" }`; tsconfig.json maps the prefix), which Bun embeds in the binary. */
declare module "ukiboot-hooks/*" {
  const text: string;
  export default text;
}
