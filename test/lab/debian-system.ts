/**
 * A real Debian trixie system as the target of ukiboot, installed the way the distribution installs one:
 * mmdebstrap from the mirror this machine is configured with, and UKIs made by the system's own
 * kernel-install (layout=uki, uki_generator=ukify, initrd_generator=dracut, /etc/kernel/tries), each with a
 * signed PCR 11 policy (.pcrsig and .pcrpkey from ukify's PCR key pair). Its root file system is an ext4
 * image made with mkfs.ext4 -d, no loop device or mount needed.
 *
 * At multi-user.target the system reports over the serial console (lab-report, below): the state of
 * systemd, /proc/cmdline, PCRs 7/11/12/13, bootctl status and list, the boot-assessment variables and the
 * failed units, then powers off.
 *
 * Built once per inputs and code (test/lab/build-once.ts); about a minute, and 250 MB of packages.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configuredDebianMirror } from "../../build/debian.ts";
import { run } from "../../build/lib/run-command.ts";
import { buildOnce } from "./build-once.ts";
import { encryptRoot, LUKS_UUID } from "./luks-root.ts";

/** What the system holds, beyond the essential packages; no recommends. */
const PACKAGES = [
  "systemd",
  "systemd-sysv",
  "udev",
  // bootctl, systemd-bless-boot and the stub kernel-install's ukify uses
  "systemd-boot",
  "systemd-boot-tools",
  "systemd-boot-efi",
  "systemd-ukify",
  "python3-pefile",
  "linux-image-cloud-amd64",
  "dracut",
  "zstd",
  "kmod",
  "e2fsprogs",
  "cryptsetup",
  "systemd-cryptsetup",
  "tpm2-tools",
  "libtss2-tcti-device0",
  // systemd-cryptenroll talks to the lab's swtpm through this TCTI when it seals the LUKS key (test/lab/luks-root.ts)
  "libtss2-tcti-swtpm0",
  // kdump (test/e2e/kdump.e2e.test.ts): kdump-tools-dump.service saves the dump with makedumpfile in the
  // crash kernel; kexec-tools is what a plain "systemctl kexec" of systemd 257 loads a kernel with.
  "kdump-tools",
  "makedumpfile",
  "kexec-tools",
  // ukiboot install (test/e2e/install.e2e.test.ts): busybox for its initramfs, xz for the modules, sbsign
  // for the boot image under Secure Boot, and the firmware's boot entries read back with efibootmgr.
  "busybox",
  "xz-utils",
  "sbsigntool",
  "efibootmgr",
];

/** The kernel command line kernel-install puts into every UKI's .cmdline. */
export const DEBIAN_CMDLINE = "root=LABEL=lab-root ro console=ttyS0 systemd.show_status=error";
/** Added to the command line of the "next" UKI: a unit that boot-complete.target requires fails. */
export const FAIL_BOOT_COMPLETE = "lab.fail-boot-complete";

export const ROOT_LABEL = "lab-root";
/**
 * The command line of the LUKS variant's UKI: the root is unlocked in the initrd, by the TPM when PCR 11
 * matches the signed policy. `lab.tamper=0` is the byte a test changes to make a UKI that differs.
 */
export const LUKS_CMDLINE = `rd.luks.name=${LUKS_UUID}=root rd.luks.options=tpm2-device=auto root=/dev/mapper/root ro console=ttyS0 systemd.show_status=error lab.tamper=0`;
/** The entry token kernel-install names the UKIs with (/etc/kernel/entry-token). */
export const ENTRY_TOKEN = "debian";

export interface DebianSystem {
  /** The ext4 image of the root file system. */
  rootImage: string;
  /** What kernel-install wrote to the ESP: EFI/Linux/debian-<kver>+3.efi. */
  espTree: string;
  /** The installed UKI's file name on the ESP (with its +3 counter). */
  ukiName: string;
  /**
   * A later install (`kernel-install add <kver>.1 …` with tries 2) whose command line makes the system fail
   * before boot-complete.target: the "new kernel that does not work" of boot assessment. Not on the ESP.
   */
  nextUki: string;
  nextUkiName: string;
  kernelVersion: string;
  /** The installed kernel and the initrd Debian's dracut hook built for it, for UKIs made outside the system. */
  vmlinuz: string;
  initrd: string;
  /** The PCR policy key pair of /etc/kernel/uki.conf. */
  pcrPublicKey: string;
  pcrPrivateKey: string;
  /** The same root file system in LUKS2 with a TPM2 keyslot (test/lab/luks-root.ts), and its UKI (no counter). */
  luksImage: string;
  tpmState: string;
  luksUki: string;
  luksUkiName: string;
}

/** Files written into the system before kernel-install runs. */
function overlay(): Record<string, string> {
  return {
    "etc/kernel/install.conf": "layout=uki\nuki_generator=ukify\ninitrd_generator=dracut\n",
    "etc/kernel/entry-token": `${ENTRY_TOKEN}\n`,
    "etc/kernel/tries": "3\n",
    "etc/kernel/cmdline": `${DEBIAN_CMDLINE}\n`,
    // ukify reads this (kernel-install's 60-ukify.install): a signed PCR 11 policy for the enter-initrd phase.
    "etc/kernel/uki.conf": "[PCRSignature:initrd]\nPCRPrivateKey=/etc/kernel/pcr-private.pem\nPCRPublicKey=/etc/kernel/pcr-public.pem\nPhases=enter-initrd\n",
    // A generic initrd (the build host is not the target), with what unlocking a disk through the TPM needs.
    "etc/dracut.conf.d/50-lab.conf": [
      'hostonly="no"',
      'dracutmodules=" systemd systemd-initrd dracut-systemd base fs-lib rootfs-block udev-rules systemd-udevd systemd-journald systemd-tmpfiles systemd-sysctl systemd-modules-load systemd-cryptsetup crypt dm tpm2-tss systemd-pcrphase shutdown kernel-modules "',
      'drivers+=" virtio-pci virtio-blk nvme ahci dm_crypt tpm_tis tpm_crb "',
      'filesystems+=" ext4 vfat "',
      'compress="zstd"',
      "",
    ].join("\n"),
    // QEMU's -cpu max offers SVM and AMD's power states, so udev loads KVM and powernow_k8, which under TCG
    // took about 7 s of every start before the report and which nothing in the lab uses.
    "etc/modprobe.d/lab-tcg.conf": "blacklist kvm_amd\nblacklist kvm_intel\nblacklist kvm\nblacklist powernow_k8\n",
    "etc/fstab": `LABEL=${ROOT_LABEL} / ext4 defaults 0 1\nLABEL=ESP /efi vfat umask=0077 0 2\n`,
    "etc/hostname": "lab\n",
    "etc/machine-id": "6c616274617267657473797374656d31\n",
    "usr/local/sbin/lab-report": LAB_REPORT,
    "etc/systemd/system/lab-report.service": LAB_REPORT_UNIT,
    "etc/systemd/system/lab-boot-check.service": LAB_BOOT_CHECK_UNIT,
  };
}

/**
 * The report. `systemctl is-system-running --wait` returns once start-up is over (this unit is Type=exec,
 * so it does not hold start-up up), then everything goes to the serial console in LAB- lines.
 */
const LAB_REPORT = `#!/bin/sh
state=$(systemctl is-system-running --wait)
# efivarfs files are read whole: cat first, then drop the 4 attribute bytes and the UTF-16 zeros.
efivar() { f=/sys/firmware/efi/efivars/$1-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f; [ -e "$f" ] && cat "$f" | tail -c +5 | tr -d '\\000' || echo "(unset)"; }
{
echo "LAB-REPORT-BEGIN"
echo "LAB-STATE $state"
echo "LAB-CMDLINE $(cat /proc/cmdline)"
for p in 7 11 12 13; do echo "LAB-PCR $p $(cat /sys/class/tpm/tpm0/pcr-sha256/$p 2>/dev/null || echo none)"; done
# With retain_initrd the kernel keeps the initrd it was given: its digest here, its bytes to a scratch disk.
if [ -r /sys/firmware/initrd ]; then
  echo "LAB-INITRD $(sha256sum </sys/firmware/initrd | cut -d' ' -f1) $(wc -c </sys/firmware/initrd)"
  if [ -b /dev/vda ]; then dd if=/sys/firmware/initrd of=/dev/vda bs=1M conv=fsync status=none && echo "LAB-INITRD-DUMPED /dev/vda"; fi
fi
echo "LAB-EFIVAR LoaderBootCountPath $(efivar LoaderBootCountPath)"
echo "LAB-CREDENTIAL ukiboot.booted-entry $(cat /run/credentials/@system/ukiboot.booted-entry 2>/dev/null || echo '(none)')"
echo "LAB-BLESS $(systemctl show -P ActiveState -P Result systemd-bless-boot.service | tr '\\n' ' ')"
SYSTEMD_COLORS=0 bootctl status --no-pager 2>&1 | sed 's/^/LAB-BOOTCTL-STATUS /'
SYSTEMD_COLORS=0 bootctl list --no-pager 2>&1 | sed 's/^/LAB-BOOTCTL-LIST /'
systemctl --failed --no-legend --plain 2>&1 | sed 's/^/LAB-FAILED /'
# ukiboot, when a scenario put it into the system: which entry does it say this system was booted from?
if [ -x /usr/local/bin/ukiboot ]; then /usr/local/bin/ukiboot list 2>&1 | sed 's/^/LAB-UKIBOOT-LIST /'; fi
for u in $(systemctl --failed --no-legend --plain | cut -d' ' -f1); do journalctl -b -u "$u" --no-pager -o cat 2>&1 | tail -n 20 | sed "s/^/LAB-JOURNAL $u /"; done
# What the boot loader handed over besides the kernel: the credentials systemd imported, and the names of the
# files in the uncompressed archives of the retained initrd (the stub's and ukiboot's .extra/ archives).
# systemd imports the .cred files the stub passes into @encrypted (they are encrypted by design), the rest into @system.
echo "LAB-CREDENTIALS $(for d in @system @encrypted; do ls /run/credentials/$d 2>/dev/null | sed "s|^|$d/|"; done | tr '\n' ' ')"
[ -r /sys/firmware/initrd ] && grep -a -o '.extra/[A-Za-z0-9_.@/-]*' /sys/firmware/initrd | sort -u | sed 's/^/LAB-EXTRA /'
# systemd's own measurements in this boot (the phases it extended into PCR 11, …), one JSON record a line.
[ -r /run/log/systemd/tpm2-measure.log ] && tr '\\036' '\\n' </run/log/systemd/tpm2-measure.log | grep . | sed 's/^/LAB-MEASURE /'
# systemd-pcrlock replays the firmware's log and the userspace log (/run/log/systemd/tpm2-measure.log) and
# says for each PCR whether they give what the TPM holds: what a verifier of this boot relies on.
pcrlock=/usr/lib/systemd/systemd-pcrlock
if [ -x $pcrlock ]; then { SYSTEMD_COLORS=0 $pcrlock log --json=pretty --no-pager 2>&1; echo "LAB-PCRLOCK-STATUS $?"; } | sed 's/^/LAB-PCRLOCK /'; fi
# Where the target's own start spent its time (these boots are most of the test run).
systemd-analyze --no-pager 2>&1 | sed 's/^/LAB-BLAME /'
# What the phase units said, in the initrd and after (systemd-pcrextend --graceful skips in silence otherwise).
journalctl -b -o short-monotonic --no-pager -u systemd-pcrphase-initrd.service -u systemd-pcrphase-sysinit.service -u systemd-pcrphase.service 2>&1 | sed 's/^/LAB-PCRPHASE /'
echo "LAB-REPORT-END"
} >/dev/ttyS0 2>&1
# A scenario's next step (a crash, a kexec), when it put one into the system; else power off.
if [ -x /usr/local/sbin/lab-next ]; then exec /usr/local/sbin/lab-next >/dev/ttyS0 2>&1; fi
systemctl poweroff
`;

const LAB_REPORT_UNIT = `[Unit]
Description=Report this boot on the serial console, then power off
After=multi-user.target systemd-bless-boot.service

[Service]
Type=exec
ExecStart=/usr/local/sbin/lab-report

[Install]
WantedBy=multi-user.target
`;

/** Required by boot-complete.target: fails when the command line asks it to, so that boot is never blessed. */
const LAB_BOOT_CHECK_UNIT = `[Unit]
Description=A health check the boot must pass to be blessed
Before=boot-complete.target

[Service]
Type=oneshot
ExecStart=/bin/sh -c '! grep -qw ${FAIL_BOOT_COMPLETE} /proc/cmdline'

[Install]
RequiredBy=boot-complete.target
`;

/** Runs inside mmdebstrap's customize hook, in the finished chroot with /proc, /sys and /dev mounted. */
const CUSTOMIZE = `set -eu
root=$1
overlay=$2
cp -a "$overlay/." "$root/"
chmod 0755 "$root/usr/local/sbin/lab-report"
kver=$(ls "$root/boot" | sed -n 's/^vmlinuz-//p' | head -n 1)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$root/etc/kernel/pcr-private.pem"
openssl pkey -in "$root/etc/kernel/pcr-private.pem" -pubout -out "$root/etc/kernel/pcr-public.pem"
chroot "$root" systemctl enable lab-report.service lab-boot-check.service
# No login prompts on the consoles the report writes to (agetty hangs up the line it takes).
chroot "$root" systemctl mask serial-getty@ttyS0.service getty@tty1.service
# kdump: ukiboot loads the crash kernel (build/systemd/ukiboot-kdump.service), not kdump-tools with
# kexec-tools; kdump-tools' dump service still saves the dump in the crash kernel (USE_KDUMP=1).
chroot "$root" systemctl disable kdump-tools.service
sed -i 's/^USE_KDUMP=.*/USE_KDUMP=1/' "$root/etc/default/kdump-tools"
grep -q '^USE_KDUMP=1' "$root/etc/default/kdump-tools"
mkdir -p "$root/efi"
chroot "$root" env BOOT_ROOT=/efi kernel-install add "$kver" "/boot/vmlinuz-$kver"
# The next install: a newer version string with tries 2, whose command line fails boot-complete.target.
mkdir -p "$root/efi-next"
echo 2 > "$root/etc/kernel/tries"
echo "${DEBIAN_CMDLINE} ${FAIL_BOOT_COMPLETE}" > "$root/etc/kernel/cmdline"
chroot "$root" env BOOT_ROOT=/efi-next kernel-install add "$kver.1" "/boot/vmlinuz-$kver" "/boot/initrd.img-$kver"
# The sealed-disk variant's UKI: uncounted, with the command line that unlocks the LUKS root.
mkdir -p "$root/efi-luks"
rm "$root/etc/kernel/tries"
echo "${LUKS_CMDLINE}" > "$root/etc/kernel/cmdline"
chroot "$root" env BOOT_ROOT=/efi-luks kernel-install add "$kver" "/boot/vmlinuz-$kver" "/boot/initrd.img-$kver"
echo 3 > "$root/etc/kernel/tries"
echo "${DEBIAN_CMDLINE}" > "$root/etc/kernel/cmdline"
# What systemd-update-done would mark at the first start: without it every boot of a copy of this image
# runs ldconfig.service first (ConditionNeedsUpdate=/etc), about 1.5 s on the way to sysinit.target under TCG.
chroot "$root" ldconfig
touch "$root/etc/.updated" "$root/var/.updated"
`;

/** Builds (or reuses) the system. Needs root (mmdebstrap --mode=root), as npm test has. */
export async function debianSystem(): Promise<DebianSystem> {
  const dir = await buildOnce(
    "debian-system",
    { inputs: { PACKAGES, overlay: overlay(), CUSTOMIZE, LUKS_CMDLINE, release: "trixie" }, code: import.meta.path, single: true },
    async (out) => {
      const overlayDir = join(out, "overlay");
      for (const [path, text] of Object.entries(overlay())) {
        mkdirSync(join(overlayDir, path, ".."), { recursive: true });
        writeFileSync(join(overlayDir, path), text);
      }
      writeFileSync(join(out, "customize.sh"), CUSTOMIZE);
      const root = join(out, "root");
      await run([
        "mmdebstrap",
        "--mode=root",
        "--variant=apt",
        "--format=directory",
        `--include=${PACKAGES.join(",")}`,
        '--aptopt=APT::Install-Recommends "false"',
        "--dpkgopt=path-exclude=/usr/share/doc/*",
        "--dpkgopt=path-exclude=/usr/share/man/*",
        "--dpkgopt=path-exclude=/usr/share/locale/*",
        `--customize-hook=sh ${join(out, "customize.sh")} "$1" ${overlayDir}`,
        "trixie",
        root,
        `deb ${configuredDebianMirror()} trixie main`,
      ]);
      const kver = readdirSync(join(root, "boot"))
        .find((f) => f.startsWith("vmlinuz-"))!
        .slice("vmlinuz-".length);
      copyFileSync(join(root, "boot", `vmlinuz-${kver}`), join(out, "vmlinuz"));
      copyFileSync(join(root, "boot", `initrd.img-${kver}`), join(out, "initrd.img"));
      copyFileSync(join(root, "etc/kernel/pcr-public.pem"), join(out, "pcr-public.pem"));
      copyFileSync(join(root, "etc/kernel/pcr-private.pem"), join(out, "pcr-private.pem"));
      // The ESP's part leaves the root file system: it goes onto the FAT partition.
      renameSync(join(root, "efi"), join(out, "esp"));
      renameSync(join(root, "efi-next"), join(out, "esp-next"));
      renameSync(join(root, "efi-luks"), join(out, "esp-luks"));
      mkdirSync(join(root, "efi"));
      await run(["mkfs.ext4", "-q", "-L", ROOT_LABEL, "-d", root, "-E", "root_owner=0:0", join(out, "root.img"), "600M"]);
      await encryptRoot(root, join(out, "root.img"), "/etc/kernel/pcr-public.pem", out);
      await run(["rm", "-rf", root, overlayDir]);
    },
  );
  const ukis = readdirSync(join(dir, "esp", "EFI", "Linux"));
  const luks = readdirSync(join(dir, "esp-luks", "EFI", "Linux"));
  const next = readdirSync(join(dir, "esp-next", "EFI", "Linux"));
  if (ukis.length !== 1 || next.length !== 1)
    throw new Error(`The Debian system in ${dir} should hold one installed UKI and one next UKI, not ${ukis.join(", ")} and ${next.join(", ")}`);
  const kernelVersion = ukis[0]!.replace(/^debian-/, "").replace(/\+\d+\.efi$/, "");
  if (!existsSync(join(dir, "root.img"))) throw new Error(`The Debian system in ${dir} has no root.img: remove the directory to build it again`);
  return {
    rootImage: join(dir, "root.img"),
    espTree: join(dir, "esp"),
    ukiName: ukis[0]!,
    nextUki: join(dir, "esp-next", "EFI", "Linux", next[0]!),
    nextUkiName: next[0]!,
    kernelVersion,
    vmlinuz: join(dir, "vmlinuz"),
    initrd: join(dir, "initrd.img"),
    pcrPublicKey: join(dir, "pcr-public.pem"),
    pcrPrivateKey: join(dir, "pcr-private.pem"),
    luksImage: join(dir, "luks.img"),
    tpmState: join(dir, "tpm-state"),
    luksUki: join(dir, "esp-luks", "EFI", "Linux", luks[0]!),
    luksUkiName: luks[0]!,
  };
}
