// The initramfs GRUB loads as the module named "initramfs" (a cpio newc
// archive made by tools/mkinitramfs.sh). For now the kernel lists it at boot
// to prove modules load; the user-mode issue unpacks it into the root tmpfs.
#include <boot_info.h>
#include <fs/cpio.h>
#include <fs/initramfs.h>
#include <lib/log.h>
#include <mm/layout.h>

namespace initramfs {

ErrorOr<usize> list()
{
    auto const* module = boot_info().module("initramfs");
    if (!module) {
        log_warn("initramfs: no module named \"initramfs\" was loaded");
        return Error::from_errno(ENOENT);
    }
    auto const* data = mm::phys_to_virt<const u8>(module->start);
    usize size = module->end - module->start;
    log_info("initramfs: %lu bytes at %#lx", static_cast<unsigned long>(size), static_cast<unsigned long>(module->start));
    usize count = 0;
    auto result = cpio_for_each_entry(data, size, [&](CpioEntry const& entry) -> ErrorOr<void> {
        ++count;
        log_info("initramfs:   %06o %5lu %.*s", entry.mode, static_cast<unsigned long>(entry.size),
            static_cast<int>(entry.name.length()), entry.name.characters_without_null_termination());
        return {};
    });
    if (result.is_error()) {
        log_error("initramfs: malformed archive: %s", result.error().name());
        return result.error();
    }
    return count;
}

}
