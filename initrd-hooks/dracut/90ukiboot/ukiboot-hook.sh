#!/bin/sh
# dracut pre-mount hook of the ukiboot module, sourced by dracut's init: runs ukiboot once. When ukiboot
# kexecs, this never returns; otherwise dracut mounts the root file system as usual.
/usr/lib/ukiboot/init-shim --hook dracut || :
