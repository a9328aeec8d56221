// epoll instances, their items and the hooks that feed the ready lists
// (fs/epoll.h; the locking and lifetimes are described there).
#include <fs/anon_inode.h>
#include <fs/epoll.h>
#include <fs/vfs/file_operations.h>
#include <fs/vfs/inode.h>
#include <fs/vfs/poll_waiters.h>
#include <proc/current.h>
#include <sched/clock.h>
#include <sched/mutex.h>
#include <sched/wait_queue.h>

namespace epoll {

namespace {

// Linux's EP_MAX_NESTS: how deep instances may watch instances.
constexpr int kMaxNesting = 4;
// /proc/sys/fs/epoll/max_user_watches is a memory budget on Linux; this is
// a per-instance sanity bound on the same idea.
constexpr usize kMaxItems = 1u << 20;
constexpr u32 kExclusiveAllowed = kEpollIn | kEpollOut | kEpollErr | kEpollHup | kEpollWakeup | kEpollEt | kEpollExclusive;
constexpr u32 kAlwaysReported = kEpollErr | kEpollHup;
constexpr u32 kFlagBits = kEpollExclusive | kEpollWakeup | kEpollOneshot | kEpollEt;

Mutex s_structure { "epoll structure" };

class Instance;

// Where an item stands with respect to the ready list (under the
// instance's ready lock). Scanning: a wait has taken it off to ask its
// file; a hook call meanwhile says "queue it again" (Requeue), so an edge
// that arrives during a scan is not lost.
enum class ItemState : u8 {
    Idle,
    Ready,
    Scanning,
    ScanningRequeue,
};

struct Item {
    Instance* instance { nullptr };
    vfs::OpenFile* file { nullptr };
    int fd { -1 };
    u32 events { 0 };
    u64 data { 0 };
    bool disarmed { false }; // EPOLLONESHOT reported, waiting for a MOD
    ItemState state { ItemState::Idle };
    poll_waiters::PollHead* head { nullptr };
    poll_waiters::PollHook hook;
    vfs::OpenFile::Watch watch;
    IntrusiveListNode all_node;
    IntrusiveListNode ready_node;
};

using ItemList = IntrusiveList<Item, &Item::all_node>;
using ReadyList = IntrusiveList<Item, &Item::ready_node>;

void hook_fired(poll_waiters::PollHook& hook);

char const s_kind = 0;

class Instance final : public vfs::FileOperations {
public:
    void const* kind() const override { return &s_kind; }
    Mutex& lock() { return m_lock; }
    void set_file(vfs::OpenFile* file) { m_file = file; }
    vfs::OpenFile* file() const { return m_file; }

    u32 poll(vfs::OpenFile&) override
    {
        MutexLocker locker(m_lock);
        return harvest(nullptr, 1) ? (POLLIN | POLLRDNORM) : 0;
    }
    poll_waiters::PollHead* poll_head(vfs::OpenFile&) override { return &m_head; }

    void closed(vfs::OpenFile&) override
    {
        MutexLocker structure(s_structure);
        MutexLocker locker(m_lock);
        while (Item* item = m_items.first())
            unlink(*item);
    }

    ErrorOr<void> control(int op, int fd, vfs::OpenFile& target, Event const& event);
    ErrorOr<usize> wait(Event* out, usize max, u64 timeout_ns);

    // A hook (or a ctl) says `item` may be ready.
    void queue(Item& item)
    {
        {
            SpinlockLocker locker(m_ready_lock);
            if (item.state == ItemState::Idle) {
                m_ready.append(item);
                item.state = ItemState::Ready;
            } else if (item.state == ItemState::Scanning) {
                item.state = ItemState::ScanningRequeue;
            }
            ++m_ready_generation;
            m_waiters.wake_all();
        }
        m_head.run_hooks();
    }

    // Takes `item` off everything and frees it. Under s_structure and m_lock.
    void unlink(Item& item)
    {
        item.head->remove(item.hook); // no hook call runs after this
        {
            SpinlockLocker locker(m_ready_lock);
            if (item.state == ItemState::Ready)
                m_ready.remove(item);
            item.state = ItemState::Idle;
        }
        m_items.remove(item);
        vfs::OpenFile* file = item.file;
        file->watches.remove(item.watch);
        delete &item;
        // The last touch of the file (see OpenFile::watch_count).
        file->watch_count.fetch_sub(1, std::memory_order_release);
    }

    // Does this instance watch `target`, at most `depth` levels down, or
    // nest deeper than kMaxNesting? Under s_structure.
    bool reaches(Instance const& target, int depth) const
    {
        if (depth > kMaxNesting)
            return true;
        for (auto const& item : m_items) {
            if (!is_instance(*item.file))
                continue;
            auto const& inner = static_cast<Instance const&>(item.file->operations());
            if (&inner == &target || inner.reaches(target, depth + 1))
                return true;
        }
        return false;
    }

    // How many instances watch this one, transitively (the longest chain).
    int depth_above(int depth) const
    {
        if (depth > kMaxNesting || !m_file)
            return depth;
        int deepest = depth;
        for (auto const& watch : m_file->watches) {
            auto const& item = *static_cast<Item const*>(watch.owner);
            int above = item.instance->depth_above(depth + 1);
            if (above > deepest)
                deepest = above;
        }
        return deepest;
    }

private:
    Item* find(vfs::OpenFile const& target, int fd)
    {
        for (auto& item : m_items) {
            if (item.file == &target && item.fd == fd)
                return &item;
        }
        return nullptr;
    }

    usize harvest(Event* out, usize max);

    vfs::OpenFile* m_file { nullptr }; // the description this instance serves (it owns us)
    Mutex m_lock { "epoll" };
    ItemList m_items;
    Spinlock m_ready_lock { "epoll ready" };
    ReadyList m_ready;
    u64 m_ready_generation { 0 };
    WaitQueue m_waiters;
    poll_waiters::PollHead m_head;
};

void hook_fired(poll_waiters::PollHook& hook)
{
    auto& item = *static_cast<Item*>(hook.context);
    item.instance->queue(item);
}

// Asks the files of the queued items for their events (under m_lock).
// With `out`, reports up to `max` of them as epoll_wait does; without,
// only counts whether any is ready (poll() of the instance itself, which
// changes nothing for the next epoll_wait).
usize Instance::harvest(Event* out, usize max)
{
    ReadyList scanning;
    {
        SpinlockLocker locker(m_ready_lock);
        while (Item* item = m_ready.pop_front()) {
            item->state = ItemState::Scanning;
            scanning.append(*item);
        }
    }
    ReadyList unexamined; // back to the front of the queue, as they were
    ReadyList still_ready; // level-triggered, reported: to the back
    ReadyList done;       // idle unless a hook fired meanwhile
    usize count = 0;
    while (Item* item = scanning.pop_front()) {
        if (count == max) {
            unexamined.append(*item);
            continue;
        }
        u32 revents = 0;
        if (!item->disarmed)
            revents = item->file->poll() & ((item->events & ~kFlagBits) | kAlwaysReported);
        if (!revents) {
            done.append(*item);
            continue;
        }
        if (!out) {
            ++count;
            unexamined.append(*item);
            continue;
        }
        out[count++] = Event { revents, item->data };
        if (item->events & kEpollOneshot) {
            item->disarmed = true;
            done.append(*item);
        } else if (item->events & kEpollEt) {
            done.append(*item);
        } else {
            still_ready.append(*item);
        }
    }
    SpinlockLocker locker(m_ready_lock);
    Item* front = m_ready.first();
    while (Item* item = unexamined.pop_front()) {
        item->state = ItemState::Ready;
        if (front)
            m_ready.insert_before(*front, *item);
        else
            m_ready.append(*item);
    }
    while (Item* item = still_ready.pop_front()) {
        item->state = ItemState::Ready;
        m_ready.append(*item);
    }
    while (Item* item = done.pop_front()) {
        if (item->state == ItemState::ScanningRequeue) {
            item->state = ItemState::Ready;
            m_ready.append(*item);
        } else {
            item->state = ItemState::Idle;
        }
    }
    return count;
}

ErrorOr<void> Instance::control(int op, int fd, vfs::OpenFile& target, Event const& event)
{
    u32 events = event.events & ~kEpollWakeup; // needs CAP_BLOCK_SUSPEND; Linux drops it silently too
    bool exclusive = events & kEpollExclusive;
    if (exclusive && op == kCtlMod)
        return Error::from_errno(EINVAL);
    if (exclusive && op == kCtlAdd && (is_instance(target) || (events & ~kExclusiveAllowed)))
        return Error::from_errno(EINVAL);
    if (op != kCtlAdd && op != kCtlMod && op != kCtlDel)
        return Error::from_errno(EINVAL);

    MutexLocker structure(s_structure);
    if (op == kCtlAdd && is_instance(target)) {
        auto const& inner = static_cast<Instance const&>(target.operations());
        if (inner.reaches(*this, 1) || depth_above(1) + 1 > kMaxNesting + 1)
            return Error::from_errno(ELOOP);
    }
    {
        MutexLocker locker(m_lock);
        Item* item = find(target, fd);
        switch (op) {
        case kCtlAdd: {
            if (item)
                return Error::from_errno(EEXIST);
            if (m_items.size() >= kMaxItems)
                return Error::from_errno(ENOSPC);
            item = new (std::nothrow) Item;
            if (!item)
                return Error::from_errno(ENOMEM);
            item->instance = this;
            item->file = &target;
            item->fd = fd;
            item->events = events;
            item->data = event.data;
            item->hook.callback = hook_fired;
            item->hook.context = item;
            item->watch.owner = item;
            poll_waiters::PollHead* head = target.operations().poll_head(target);
            item->head = head ? head : &poll_waiters::global_head();
            target.watch_count.fetch_add(1, std::memory_order_acq_rel);
            target.watches.append(item->watch);
            m_items.append(*item);
            item->head->add(item->hook);
            queue(*item);
            break;
        }
        case kCtlMod:
            if (!item)
                return Error::from_errno(ENOENT);
            if (item->events & kEpollExclusive)
                return Error::from_errno(EINVAL);
            item->events = events;
            item->data = event.data;
            item->disarmed = false;
            queue(*item);
            break;
        case kCtlDel:
            if (!item)
                return Error::from_errno(ENOENT);
            unlink(*item);
            break;
        }
    }
    poll_waiters::notify(); // pollers of this instance may see it ready now
    return {};
}

ErrorOr<usize> Instance::wait(Event* out, usize max, u64 timeout_ns)
{
    u64 deadline = 0;
    if (timeout_ns != ~0ull && timeout_ns != 0) {
        deadline = ktime::monotonic_ns() + timeout_ns;
        if (!deadline)
            deadline = 1;
    }
    for (;;) {
        u64 seen;
        {
            SpinlockLocker locker(m_ready_lock);
            seen = m_ready_generation;
        }
        usize count;
        {
            MutexLocker locker(m_lock);
            count = harvest(out, max);
        }
        if (count || timeout_ns == 0)
            return count;
        // Asked outside the ready lock (it takes a siglock); a signal
        // between here and the sleep is caught by the sender's second
        // wake-up.
        if (current::interrupted())
            return Error::from_errno(EINTR);
        SpinlockLocker locker(m_ready_lock);
        if (m_ready_generation != seen)
            continue;
        auto waited = m_waiters.wait(locker, deadline);
        if (waited.is_error()) {
            if (waited.error().code() == ETIMEDOUT)
                return 0;
            return waited.error();
        }
    }
}

// Called first thing by a watched description's destructor.
void release_watches(vfs::OpenFile& file)
{
    MutexLocker structure(s_structure);
    while (auto* watch = file.watches.first()) {
        auto& item = *static_cast<Item*>(watch->owner);
        Instance& instance = *item.instance;
        MutexLocker locker(instance.lock());
        instance.unlink(item);
    }
}

}

ErrorOr<RefPtr<vfs::OpenFile>> create_instance()
{
    if (!vfs::OpenFile::s_release_watches)
        vfs::OpenFile::s_release_watches = release_watches;
    auto* instance = new (std::nothrow) Instance;
    if (!instance)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::FileOperations> operations = adopt_ref(static_cast<vfs::FileOperations*>(instance));
    auto file = TRY(anon_inode::create_file(std::move(operations), O_RDWR));
    instance->set_file(file.ptr());
    return file;
}

bool is_instance(vfs::OpenFile const& file)
{
    return file.operations().kind() == &s_kind;
}

ErrorOr<void> control(vfs::OpenFile& epoll_file, int op, int fd, vfs::OpenFile& target, Event const& event)
{
    // Linux's order: a file that cannot be polled first, then the rest.
    vfs::Inode* inode = target.inode();
    if (target.is_path_only() || (inode && (inode->is_regular() || inode->is_directory())))
        return Error::from_errno(EPERM);
    if (&epoll_file == &target || !is_instance(epoll_file))
        return Error::from_errno(EINVAL);
    return static_cast<Instance&>(epoll_file.operations()).control(op, fd, target, event);
}

ErrorOr<usize> wait(vfs::OpenFile& epoll_file, Event* out, usize max, u64 timeout_ns)
{
    if (!is_instance(epoll_file))
        return Error::from_errno(EINVAL);
    return static_cast<Instance&>(epoll_file.operations()).wait(out, max, timeout_ns);
}

}
