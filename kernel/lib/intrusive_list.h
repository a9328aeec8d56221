// IntrusiveList: a doubly-linked list whose links live inside the listed
// objects (an IntrusiveListNode member), so linking and unlinking never
// allocate. Run queues, wait queues, timer lists and process lists
// (sched/, proc/) are built on it: a wake-up or a context switch must not
// call the allocator (STYLE.md, house idioms).
//
//   struct Thread { IntrusiveListNode m_run_node; ... };
//   IntrusiveList<Thread, &Thread::m_run_node> run_queue;
//   run_queue.append(thread);
//   Thread* next = run_queue.pop_front();
//   for (auto& t : run_queue.removal_safe()) if (t.done()) run_queue.remove(t);
//
// A node knows which list holds it, so double insertion, removal of an
// unlinked node, removal through the wrong list and destroying an object
// that is still linked are all caught by VERIFY rather than corrupting a
// queue silently. No locking here: the owner of a list guards it.
// Host-buildable.
#pragma once

#include <lib/types.h>
#include <lib/verify.h>

class IntrusiveListNode;

// `member` names the node inside T, which must be declared in T itself (a
// node inherited from a base class is listed as the base type).
template<typename T, IntrusiveListNode T::*member>
class IntrusiveList;

class IntrusiveListNode {
public:
    IntrusiveListNode() = default;
    // An object freed while still on a queue would leave the queue pointing
    // at freed memory; stop at the free instead of at some later wake-up.
    ~IntrusiveListNode() { VERIFY(!is_linked()); }

    // Links are identity: a copied node would claim membership it does not have.
    IntrusiveListNode(IntrusiveListNode const&) = delete;
    IntrusiveListNode& operator=(IntrusiveListNode const&) = delete;

    bool is_linked() const { return m_list != nullptr; }

private:
    template<typename T, IntrusiveListNode T::*member>
    friend class IntrusiveList;

    IntrusiveListNode* m_prev { nullptr };
    IntrusiveListNode* m_next { nullptr };
    // The list that holds this node (its address, type-erased), or null.
    void const* m_list { nullptr };
};

template<typename T, IntrusiveListNode T::*member>
class IntrusiveList {
public:
    IntrusiveList() = default;
    // Nodes point back at their list, so the list cannot move or be copied.
    IntrusiveList(IntrusiveList const&) = delete;
    IntrusiveList& operator=(IntrusiveList const&) = delete;
    // Unlink everything so the objects can outlive the list.
    ~IntrusiveList() { clear(); }

    bool is_empty() const { return m_head == nullptr; }
    usize size() const { return m_size; }

    T* first() { return m_head ? owner_of(m_head) : nullptr; }
    T* last() { return m_tail ? owner_of(m_tail) : nullptr; }
    T const* first() const { return m_head ? owner_of(m_head) : nullptr; }
    T const* last() const { return m_tail ? owner_of(m_tail) : nullptr; }

    // True if `object` is on this list (not merely on some list). O(1).
    bool contains(T const& object) const { return (object.*member).m_list == this; }

    void append(T& object)
    {
        IntrusiveListNode& node = link_check(object);
        node.m_prev = m_tail;
        node.m_next = nullptr;
        if (m_tail)
            m_tail->m_next = &node;
        else
            m_head = &node;
        m_tail = &node;
        ++m_size;
    }

    void prepend(T& object)
    {
        IntrusiveListNode& node = link_check(object);
        node.m_prev = nullptr;
        node.m_next = m_head;
        if (m_head)
            m_head->m_prev = &node;
        else
            m_tail = &node;
        m_head = &node;
        ++m_size;
    }

    // Puts `object` just before `position`, which must be on this list.
    // Ordered queues (timers by deadline) insert in the middle.
    void insert_before(T& position, T& object)
    {
        IntrusiveListNode& at = position.*member;
        VERIFY(at.m_list == this);
        IntrusiveListNode& node = link_check(object);
        node.m_next = &at;
        node.m_prev = at.m_prev;
        if (at.m_prev)
            at.m_prev->m_next = &node;
        else
            m_head = &node;
        at.m_prev = &node;
        ++m_size;
    }

    void remove(T& object)
    {
        IntrusiveListNode& node = object.*member;
        VERIFY(node.m_list == this);
        unlink(node);
    }

    // The first object, unlinked; null when the list is empty.
    T* pop_front()
    {
        if (!m_head)
            return nullptr;
        IntrusiveListNode* node = m_head;
        unlink(*node);
        return owner_of(node);
    }

    T* pop_back()
    {
        if (!m_tail)
            return nullptr;
        IntrusiveListNode* node = m_tail;
        unlink(*node);
        return owner_of(node);
    }

    void clear()
    {
        while (m_head)
            unlink(*m_head);
    }

    // The neighbours of an object on this list; null at either end.
    T* next(T& object)
    {
        IntrusiveListNode& node = object.*member;
        VERIFY(node.m_list == this);
        return node.m_next ? owner_of(node.m_next) : nullptr;
    }
    T* prev(T& object)
    {
        IntrusiveListNode& node = object.*member;
        VERIFY(node.m_list == this);
        return node.m_prev ? owner_of(node.m_prev) : nullptr;
    }

    // Plain iteration: the list must not change while it runs.
    // Removal-safe iteration (removal_safe()) reads the successor before it
    // yields an object, so the loop body may remove (or move to another
    // list) the object it was given, but no other object of this list.
    template<typename U, bool is_removal_safe>
    class Iterator {
    public:
        explicit Iterator(IntrusiveListNode* node)
            : m_node(node)
            , m_next(node ? node->m_next : nullptr)
        {
        }
        U& operator*() const { return *owner_of(m_node); }
        U* operator->() const { return owner_of(m_node); }
        Iterator& operator++()
        {
            m_node = is_removal_safe ? m_next : m_node->m_next;
            if (m_node)
                m_next = m_node->m_next;
            return *this;
        }
        bool operator==(Iterator const& other) const { return m_node == other.m_node; }

    private:
        IntrusiveListNode* m_node;
        IntrusiveListNode* m_next;
    };

    using iterator = Iterator<T, false>;
    using const_iterator = Iterator<T const, false>;
    using safe_iterator = Iterator<T, true>;

    iterator begin() { return iterator(m_head); }
    iterator end() { return iterator(nullptr); }
    const_iterator begin() const { return const_iterator(m_head); }
    const_iterator end() const { return const_iterator(nullptr); }

    class RemovalSafeRange {
    public:
        explicit RemovalSafeRange(IntrusiveList& list)
            : m_list(list)
        {
        }
        safe_iterator begin() { return safe_iterator(m_list.m_head); }
        safe_iterator end() { return safe_iterator(nullptr); }

    private:
        IntrusiveList& m_list;
    };

    RemovalSafeRange removal_safe() { return RemovalSafeRange(*this); }

private:
    // The byte offset of `member` inside T. Under the Itanium C++ ABI (used by
    // both the kernel and the host targets) a pointer to data member is
    // represented as exactly that offset. Reading it this way avoids forming
    // a member access on a fake object, which UBSan rejects for polymorphic T.
    static isize member_offset()
    {
        static_assert(sizeof(member) == sizeof(isize));
        return __builtin_bit_cast(isize, member);
    }

    static T* owner_of(IntrusiveListNode* node)
    {
        return reinterpret_cast<T*>(reinterpret_cast<u8*>(node) - member_offset());
    }

    // The node of an object about to be inserted; claims it for this list.
    IntrusiveListNode& link_check(T& object)
    {
        IntrusiveListNode& node = object.*member;
        VERIFY(!node.is_linked());
        node.m_list = this;
        return node;
    }

    void unlink(IntrusiveListNode& node)
    {
        if (node.m_prev)
            node.m_prev->m_next = node.m_next;
        else
            m_head = node.m_next;
        if (node.m_next)
            node.m_next->m_prev = node.m_prev;
        else
            m_tail = node.m_prev;
        node.m_prev = nullptr;
        node.m_next = nullptr;
        node.m_list = nullptr;
        --m_size;
    }

    IntrusiveListNode* m_head { nullptr };
    IntrusiveListNode* m_tail { nullptr };
    usize m_size { 0 };
};
