/**
 * The scripts ukiboot's own initramfs carries, embedded in the binary when it is compiled: an installed
 * ukiboot builds its boot image from exactly the shim it was built and tested with.
 */
import initShim from "ukiboot-hooks/common/init-shim.sh" with { type: "text" };
import udhcpcLease from "ukiboot-hooks/common/udhcpc-lease.sh" with { type: "text" };

export const INIT_SHIM = new TextEncoder().encode(initShim);
export const UDHCPC_LEASE_SCRIPT = new TextEncoder().encode(udhcpcLease);
