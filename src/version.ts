/** The version ukiboot reports (--version, the menu header). */
export const VERSION = "0.1.0";
