// inode_memory_object.h
#include <fs/vfs/inode_memory_object.h>
#include <lib/format.h>
#include <new>

namespace vfs {

namespace {

class InodeFileObject final : public mm::FileObject {
public:
    InodeFileObject(RefPtr<Inode> inode, const char* description)
        : FileObject(description)
        , m_inode(std::move(inode))
    {
    }

protected:
    ErrorOr<u8*> file_page(u64 page_index) override { return m_inode->page_for_mapping(page_index); }
    u64 file_size() const override { return m_inode->size(); }

private:
    RefPtr<Inode> m_inode;
};

}

ErrorOr<RefPtr<mm::MemoryObject>> create_inode_memory_object(RefPtr<Inode> inode)
{
    char description[48];
    format(description, sizeof(description), "inode %lu", static_cast<unsigned long>(inode->ino()));
    auto* object = new (std::nothrow) InodeFileObject(std::move(inode), description);
    if (!object)
        return Error::from_errno(ENOMEM);
    return RefPtr<mm::MemoryObject>(adopt_ref<mm::MemoryObject>(object));
}

}
