// What System V IPC shows in /proc (fs/procfs/extra_files.h): the tables
// /proc/sysvipc/{shm,msg,sem} (Linux's exact columns, which util-linux's
// ipcs reads) and the limits /proc/sys/kernel/{shmmax, shmall, shmmni,
// msgmax, msgmnb, msgmni, sem}. The limits are Linux's defaults and fixed
// (the files are read-only; ENOSPC and EINVAL come from these numbers).
#include <fs/procfs/extra_files.h>
#include <ipc/sysv/msg.h>
#include <ipc/sysv/sem.h>
#include <ipc/sysv/shm.h>

namespace sysv {

namespace {

using procfs::ExtraDirectory;
using procfs::ExtraFileRegistrar;
using procfs::TextBuffer;

ErrorOr<void> show_shmmax(TextBuffer& text)
{
    text.appendf("%llu\n", static_cast<unsigned long long>(kShmMax));
    return {};
}

ErrorOr<void> show_shmall(TextBuffer& text)
{
    text.appendf("%llu\n", static_cast<unsigned long long>(kShmAll));
    return {};
}

ErrorOr<void> show_shmmni(TextBuffer& text)
{
    text.appendf("%u\n", kShmMni);
    return {};
}

ErrorOr<void> show_msgmax(TextBuffer& text)
{
    text.appendf("%u\n", kMsgMax);
    return {};
}

ErrorOr<void> show_msgmnb(TextBuffer& text)
{
    text.appendf("%u\n", kMsgMnb);
    return {};
}

ErrorOr<void> show_msgmni(TextBuffer& text)
{
    text.appendf("%u\n", kMsgMni);
    return {};
}

ErrorOr<void> show_sem(TextBuffer& text)
{
    text.appendf("%u\t%u\t%u\t%u\n", kSemMsl, kSemMns, kSemOpm, kSemMni);
    return {};
}

ExtraFileRegistrar s_msg_table { { ExtraDirectory::Sysvipc, "msg", msg_proc_show } };
ExtraFileRegistrar s_sem_table { { ExtraDirectory::Sysvipc, "sem", sem_proc_show } };
ExtraFileRegistrar s_shm_table { { ExtraDirectory::Sysvipc, "shm", shm_proc_show } };
ExtraFileRegistrar s_msgmax { { ExtraDirectory::SysKernel, "msgmax", show_msgmax } };
ExtraFileRegistrar s_msgmnb { { ExtraDirectory::SysKernel, "msgmnb", show_msgmnb } };
ExtraFileRegistrar s_msgmni { { ExtraDirectory::SysKernel, "msgmni", show_msgmni } };
ExtraFileRegistrar s_sem { { ExtraDirectory::SysKernel, "sem", show_sem } };
ExtraFileRegistrar s_shmall { { ExtraDirectory::SysKernel, "shmall", show_shmall } };
ExtraFileRegistrar s_shmmax { { ExtraDirectory::SysKernel, "shmmax", show_shmmax } };
ExtraFileRegistrar s_shmmni { { ExtraDirectory::SysKernel, "shmmni", show_shmmni } };

}

}
