// errno_name(): turns an errno into its symbolic name for kernel logs.
#include <lib/errno.h>

const char* errno_name(int error)
{
    switch (error) {
#define NAME(e) case e: return #e;
        NAME(EPERM) NAME(ENOENT) NAME(ESRCH) NAME(EINTR) NAME(EIO) NAME(ENXIO)
        NAME(E2BIG) NAME(ENOEXEC) NAME(EBADF) NAME(ECHILD) NAME(EAGAIN) NAME(ENOMEM)
        NAME(EACCES) NAME(EFAULT) NAME(EBUSY) NAME(EEXIST) NAME(EXDEV) NAME(ENODEV)
        NAME(ENOTDIR) NAME(EISDIR) NAME(EINVAL) NAME(ENFILE) NAME(EMFILE) NAME(ENOTTY)
        NAME(EFBIG) NAME(ENOSPC) NAME(ESPIPE) NAME(EROFS) NAME(EPIPE) NAME(ERANGE)
        NAME(ENAMETOOLONG) NAME(ENOSYS) NAME(ENOTEMPTY) NAME(ELOOP) NAME(ETIMEDOUT)
#undef NAME
    default:
        return "E?";
    }
}
