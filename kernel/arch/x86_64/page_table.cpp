// Page-table walk and entry encoding; see page_table.h.
#include <arch/x86_64/page_table.h>

namespace page_table {

namespace {
bool s_nx_supported;
}

void set_no_execute_supported(bool supported) { s_nx_supported = supported; }

u64 entry_bits(Attributes const& a, bool huge)
{
    u64 bits = kPresent;
    if (a.writable)
        bits |= kWritable;
    if (a.user)
        bits |= kUser;
    if (a.global)
        bits |= kGlobal;
    if (a.uncached)
        bits |= kCacheDisable | kWriteThrough;
    if (!a.executable && s_nx_supported)
        bits |= kNoExecute;
    if (huge)
        bits |= kHuge;
    return bits;
}

ErrorOr<void> map(PhysAddr root, VirtAddr virt, PhysAddr phys, usize page_size, Attributes const& attributes,
    TableAllocator allocate, PhysToVirt to_virt)
{
    int leaf_level = page_size == 2 * MiB ? 2 : 1;
    u64* table = to_virt(root);
    for (int level = 4; level > leaf_level; --level) {
        u64& entry = table[index_of(virt, level)];
        if (!(entry & kPresent)) {
            PhysAddr next = TRY(allocate());
            // Intermediate entries are permissive; the leaf decides. A user
            // bit here lets user leaves below it work; kernel leaves stay
            // kernel-only because the leaf lacks kUser.
            entry = next | kPresent | kWritable | (attributes.user ? kUser : 0);
        } else if (entry & kHuge) {
            return Error::from_errno(EEXIST);
        } else if (attributes.user) {
            entry |= kUser;
        }
        table = to_virt(entry & kAddressMask);
    }
    u64& leaf = table[index_of(virt, leaf_level)];
    if (leaf & kPresent)
        return Error::from_errno(EEXIST);
    leaf = (phys & kAddressMask) | entry_bits(attributes, leaf_level == 2);
    return {};
}

u64* find_entry(PhysAddr root, VirtAddr virt, PhysToVirt to_virt, usize* page_size)
{
    u64* table = to_virt(root);
    for (int level = 4; level >= 1; --level) {
        u64* entry = &table[index_of(virt, level)];
        if (!(*entry & kPresent))
            return nullptr;
        if (level == 1 || (level <= 3 && (*entry & kHuge))) {
            if (page_size)
                *page_size = level == 1 ? 4 * KiB : level == 2 ? 2 * MiB : 1 * GiB;
            return entry;
        }
        table = to_virt(*entry & kAddressMask);
    }
    return nullptr;
}

ErrorOr<PhysAddr> unmap(PhysAddr root, VirtAddr virt, PhysToVirt to_virt)
{
    u64* entry = find_entry(root, virt, to_virt);
    if (!entry)
        return Error::from_errno(ENOENT);
    PhysAddr old = *entry & kAddressMask;
    *entry = 0;
    return old;
}

}
