// A file's pages as a memory object (mm/file_object.h): what mmap of a file
// and exec's program mapping put behind their areas. The pages are the
// inode's own (tmpfs keeps file data in whole, reference-counted pages),
// so a private mapping reads them in place and copies one only when the
// process writes to it (copy-on-write).
#pragma once

#include <fs/vfs/inode.h>
#include <mm/file_object.h>

namespace vfs {

// `name` is what /proc/<pid>/maps shows for it (the file's path); empty:
// "inode N".
ErrorOr<RefPtr<mm::MemoryObject>> create_inode_memory_object(RefPtr<Inode> inode, StringView name = {});

}
