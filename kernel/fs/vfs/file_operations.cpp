// FileOperations defaults (fs/vfs/file_operations.h).
#include <fs/vfs/file_operations.h>

namespace vfs {

ErrorOr<usize> FileOperations::read(OpenFile&, IoBuffer&, usize, u64&) { return Error::from_errno(EINVAL); }
ErrorOr<usize> FileOperations::write(OpenFile&, IoBuffer const&, usize, u64&) { return Error::from_errno(EINVAL); }
ErrorOr<u64> FileOperations::seek(OpenFile&, u64, i64, int) { return Error::from_errno(ESPIPE); }
ErrorOr<long> FileOperations::ioctl(OpenFile&, u32, u64) { return Error::from_errno(ENOTTY); }
u32 FileOperations::poll(OpenFile&) { return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM; }

}
