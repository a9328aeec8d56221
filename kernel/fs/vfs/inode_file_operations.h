// InodeFileOperations: the FileOperations of files whose data is the
// inode's own - regular files and directories - and of O_PATH descriptors.
// Reads and writes go to Inode::read/write at the description's position,
// O_APPEND writes to the end; lseek knows SEEK_SET/CUR/END and, treating
// the whole file as data, SEEK_DATA/SEEK_HOLE. Directories seek only by
// SEEK_SET/SEEK_CUR to positions getdents64 gave (its d_off values).
// One shared, stateless instance.
// Host-buildable.
#pragma once

#include <fs/vfs/file_operations.h>

namespace vfs {

RefPtr<FileOperations> inode_file_operations();

}
