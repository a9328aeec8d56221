// Mounting "/" at boot (root.h).
#include <boot_info.h>
#include <fs/devfs/devfs.h>
#include <fs/devfs/kmsg.h>
#include <fs/initramfs_unpack.h>
#include <fs/procfs/kernel_source.h>
#include <fs/root.h>
#include <fs/tmpfs/tmpfs.h>
#include <fs/vfs/vfs.h>
#include <lib/log.h>
#include <mm/layout.h>
#include <mm/page_allocator.h>
#include <sched/clock.h>

namespace vfs {

MountTable& system_mounts()
{
    static MountTable* s_table = new MountTable;
    return *s_table;
}

}

namespace root_fs {

ErrorOr<void> init()
{
    u64 started = ktime::monotonic_ns();
    // tmpfs mounts without size= may fill half of memory, as on Linux.
    tmpfs::set_default_max_pages(mm::page_allocator().total_pages() / 2);
    TRY(tmpfs::register_type());
    TRY(devfs::init());
    TRY(devfs::register_kmsg());
    TRY(procfs::init()); // the "proc" type; init mounts it on /proc

    auto& mounts = vfs::system_mounts();
    tmpfs::Options options;
    options.root_mode = 0755;
    auto root_inode = TRY(tmpfs::TmpFs::create(options, "rootfs"));
    auto root = TRY(mounts.mount_root(root_inode, "rootfs", 0));

    auto const* module = boot_info().module("initramfs");
    if (!module) {
        log_warn("rootfs: no \"initramfs\" module: the root file system is empty");
    } else {
        auto const* data = mm::phys_to_virt<const u8>(module->start);
        usize size = module->end - module->start;
        auto unpacked = initramfs::unpack_cpio(data, size, mounts, root);
        if (unpacked.is_error()) {
            log_error("rootfs: initramfs unpacking failed: %s", unpacked.error().name());
        } else {
            auto const& statistics = unpacked.value();
            log_info("rootfs: tmpfs \"/\" from the initramfs (%zu KiB): %zu files, %zu directories, %zu symlinks, "
                     "%zu device nodes, in %llu ms",
                size / KiB, statistics.files, statistics.directories, statistics.symlinks, statistics.special_files,
                static_cast<unsigned long long>((ktime::monotonic_ns() - started) / 1000000));
        }
        // Everything is in the tmpfs now: the archive's pages go back to the
        // page allocator (whole pages only: a module may share its first and
        // last page with another). Nothing reads the module after this.
        u64 free_before = mm::page_allocator().free_pages();
        mm::page_allocator().add_free_range(module->start, module->end);
        log_info("rootfs: the initramfs archive's %llu KiB returned to free memory",
            static_cast<unsigned long long>((mm::page_allocator().free_pages() - free_before) * mm::kPageSize / KiB));
    }

    // /dev: devtmpfs, so /dev/console exists before init runs (Linux's
    // CONFIG_DEVTMPFS_MOUNT).
    Credentials root_credentials = Credentials::root();
    vfs::Context context { mounts, root, root_credentials, 022 };
    auto made = vfs::mkdir(context, root, "/dev", 0755);
    if (made.is_error() && made.error().code() != EEXIST)
        return made.error();
    TRY(vfs::mount(context, root, "devtmpfs", "/dev", "devtmpfs", 0, ""));
    log_info("rootfs: devtmpfs mounted on /dev");
    return {};
}

}
