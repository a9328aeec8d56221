// IpcIds and the permission rules; see ipc_ids.h.
#include <ipc/sysv/ipc_ids.h>
#include <lib/string.h>
#include <new>
#include <proc/current.h>
#include <sched/clock.h>

namespace sysv {

namespace {

// The largest seq whose identifiers stay positive ints.
constexpr u32 kSeqLimit = 0x7fffffff / kIpcMni;

}

IpcPermAbi IpcObject::to_abi() const
{
    IpcPermAbi perm {};
    perm.key = key;
    perm.uid = uid;
    perm.gid = gid;
    perm.cuid = cuid;
    perm.cgid = cgid;
    perm.mode = static_cast<u16>(mode);
    perm.seq = static_cast<u16>(seq);
    return perm;
}

void IpcObject::init_owner(Credentials const& creator, i32 new_key, int flags)
{
    key = new_key;
    uid = cuid = creator.euid;
    gid = cgid = creator.egid;
    mode = static_cast<u32>(flags) & 0777;
}

void IpcObject::set_from_abi(IpcPermAbi const& perm)
{
    uid = perm.uid;
    gid = perm.gid;
    mode = (mode & ~0777u) | (perm.mode & 0777u);
}

ErrorOr<void> check_access(IpcObject const& object, Credentials const& credentials, u32 may)
{
    // Linux folds the request into the "other" position and shifts the
    // granted bits down to it from the caller's class.
    u32 requested = ((may >> 6) | (may >> 3) | may) & 07;
    u32 granted = object.mode;
    if (credentials.euid == object.cuid || credentials.euid == object.uid)
        granted >>= 6;
    else if (credentials.in_group(object.cgid) || credentials.in_group(object.gid))
        granted >>= 3;
    if ((requested & ~granted & 07) && !credentials.is_superuser())
        return Error::from_errno(EACCES);
    return {};
}

ErrorOr<void> check_owner(IpcObject const& object, Credentials const& credentials)
{
    if (credentials.euid == object.cuid || credentials.euid == object.uid || credentials.is_superuser())
        return {};
    return Error::from_errno(EPERM);
}

IpcObject* IpcIds::find_key(i32 key)
{
    for (u32 i = 0; i < m_capacity; ++i) {
        if (m_slots[i] && m_slots[i]->key == key)
            return m_slots[i];
    }
    return nullptr;
}

IpcObject* IpcIds::find_id(i32 id)
{
    if (id < 0)
        return nullptr;
    u32 index = static_cast<u32>(id) % kIpcMni;
    if (index >= m_capacity || !m_slots[index])
        return nullptr;
    IpcObject* object = m_slots[index];
    return object->seq == static_cast<u32>(id) / kIpcMni ? object : nullptr;
}

ErrorOr<IpcObject*> IpcIds::find_for_stat(i64 id, bool by_index, bool check_read, i32& id_out)
{
    IpcObject* object = by_index ? at_index(id) : find_id(static_cast<i32>(id));
    if (!object || (!by_index && (id < 0 || id > 0x7fffffff)))
        return Error::from_errno(EINVAL);
    if (check_read)
        TRY(check_access(*object, current::credentials(), kIpcRead));
    id_out = object->id();
    return object;
}

IpcObject* IpcIds::at_index(i64 index)
{
    if (index < 0 || index >= m_capacity)
        return nullptr;
    return m_slots[index];
}

ErrorOr<void> IpcIds::add(IpcObject& object)
{
    if (m_in_use >= m_limit)
        return Error::from_errno(ENOSPC);
    // Cyclic: the first free slot after the last one handed out, so a
    // removed object's identifier is not reused at once.
    u32 index = m_capacity;
    for (u32 step = 1; step <= m_capacity; ++step) {
        u32 candidate = static_cast<u32>(m_last_index + static_cast<i32>(step)) % m_capacity;
        if (!m_slots[candidate]) {
            index = candidate;
            break;
        }
    }
    if (index == m_capacity) {
        // Full: grow (doubling, up to the slot space).
        u32 capacity = m_capacity ? m_capacity * 2 : 16;
        if (capacity > kIpcMni)
            capacity = kIpcMni;
        if (capacity <= m_capacity)
            return Error::from_errno(ENOSPC);
        auto* slots = new (std::nothrow) IpcObject*[capacity];
        if (!slots)
            return Error::from_errno(ENOMEM);
        memset(slots, 0, capacity * sizeof(IpcObject*));
        if (m_capacity)
            memcpy(slots, m_slots, m_capacity * sizeof(IpcObject*));
        delete[] m_slots;
        m_slots = slots;
        index = m_capacity;
        m_capacity = capacity;
    }
    if (static_cast<i32>(index) <= m_last_index) {
        if (++m_seq > kSeqLimit)
            m_seq = 0;
    }
    m_last_index = static_cast<i32>(index);
    object.index = index;
    object.seq = m_seq;
    object.linked = true;
    m_slots[index] = &object;
    ++m_in_use;
    return {};
}

void IpcIds::remove(IpcObject& object)
{
    if (!object.linked)
        return;
    m_slots[object.index] = nullptr;
    object.linked = false;
    --m_in_use;
}

i32 IpcIds::highest_index() const
{
    for (u32 i = m_capacity; i > 0; --i) {
        if (m_slots[i - 1])
            return static_cast<i32>(i - 1);
    }
    return -1;
}

i64 now_seconds() { return static_cast<i64>(ktime::realtime_ns() / 1000000000ull); }

i32 caller_pid() { return current::process().pid(); }

}
