// inode_memory_object.h
#include <fs/vfs/inode_memory_object.h>
#include <lib/format.h>
#include <new>

namespace vfs {

namespace {

class InodeFileObject final : public mm::FileObject {
public:
    InodeFileObject(RefPtr<Inode> inode, const char* description, KString name)
        : FileObject(description)
        , m_inode(std::move(inode))
        , m_name(std::move(name))
    {
    }

protected:
    ErrorOr<u8*> file_page(u64 page_index) override { return m_inode->page_for_mapping(page_index); }
    u64 file_size() const override { return m_inode->size(); }

private:
    const char* describe() const override { return m_name.is_empty() ? FileObject::describe() : m_name.c_str(); }
    u64 device_number() const override { return m_inode->fs().device(); }
    u64 inode_number() const override { return m_inode->ino(); }

    RefPtr<Inode> m_inode;
    KString m_name;
};

}

ErrorOr<RefPtr<mm::MemoryObject>> create_inode_memory_object(RefPtr<Inode> inode, StringView name)
{
    char description[48];
    format(description, sizeof(description), "inode %lu", static_cast<unsigned long>(inode->ino()));
    KString path;
    if (!name.is_empty())
        path = TRY(KString::create(name));
    auto* object = new (std::nothrow) InodeFileObject(std::move(inode), description, std::move(path));
    if (!object)
        return Error::from_errno(ENOMEM);
    return RefPtr<mm::MemoryObject>(adopt_ref<mm::MemoryObject>(object));
}

}
