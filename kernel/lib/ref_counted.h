// Reference counting: RefCounted<T> is the base of every kernel object that
// several owners share (inodes, open file descriptions, fd tables, mounts,
// file systems), and RefPtr<T> is the owning pointer that keeps one alive.
// The count is atomic, so owners on different CPUs may take and drop
// references without a lock; the last drop deletes the object.
//
//   auto file = TRY(try_make_ref_counted<OpenFile>(...)); // ENOMEM if new fails
//   RefPtr<OpenFile> copy = file;                          // count 2
//
// A new object starts with a count of one, owned by whoever adopts it
// (adopt_ref, or try_make_ref_counted). Objects may also be static
// (constinit): their count starts at one and never reaches zero, so every
// RefPtr to them is an ordinary extra reference.
//
// try_ref() takes a reference only while the object is still alive. It is
// for weak back-pointers read under a lock (a tmpfs directory's parent):
// the pointer may name an object whose count already reached zero and that
// is waiting for the same lock in its destructor.
// Host-buildable.
#pragma once

#include <atomic>
#include <lib/error_or.h>
#include <lib/types.h>
#include <lib/verify.h>
#include <new>
#include <type_traits>
#include <utility>

template<typename T>
class RefCounted {
public:
    RefCounted(RefCounted const&) = delete;
    RefCounted& operator=(RefCounted const&) = delete;

    void ref() const
    {
        u32 old = m_ref_count.fetch_add(1, std::memory_order_relaxed);
        // Zero would be a resurrection; the top bit an overflow.
        VERIFY(old > 0 && old < kMaxCount);
    }

    [[nodiscard]] bool try_ref() const
    {
        u32 count = m_ref_count.load(std::memory_order_relaxed);
        while (count != 0) {
            VERIFY(count < kMaxCount);
            if (m_ref_count.compare_exchange_weak(count, count + 1, std::memory_order_acquire, std::memory_order_relaxed))
                return true;
        }
        return false;
    }

    void unref() const
    {
        u32 old = m_ref_count.fetch_sub(1, std::memory_order_acq_rel);
        VERIFY(old > 0);
        if (old == 1)
            delete static_cast<T const*>(this);
    }

    u32 ref_count() const { return m_ref_count.load(std::memory_order_relaxed); }

protected:
    constexpr RefCounted() = default;
    ~RefCounted() = default;

private:
    static constexpr u32 kMaxCount = 0x80000000u;
    mutable std::atomic<u32> m_ref_count { 1 };
};

template<typename T>
class RefPtr;

template<typename T>
RefPtr<T> adopt_ref(T* object);

template<typename T>
class RefPtr {
public:
    constexpr RefPtr() = default;
    constexpr RefPtr(decltype(nullptr)) { }
    // Takes a new reference to an object someone else already owns.
    explicit RefPtr(T* object)
        : m_ptr(object)
    {
        if (m_ptr)
            m_ptr->ref();
    }
    explicit RefPtr(T& object)
        : m_ptr(&object)
    {
        m_ptr->ref();
    }
    RefPtr(RefPtr const& other)
        : m_ptr(other.m_ptr)
    {
        if (m_ptr)
            m_ptr->ref();
    }
    RefPtr(RefPtr&& other)
        : m_ptr(other.m_ptr)
    {
        other.m_ptr = nullptr;
    }
    template<typename U>
        requires std::is_convertible_v<U*, T*>
    RefPtr(RefPtr<U> const& other)
        : m_ptr(other.m_ptr)
    {
        if (m_ptr)
            m_ptr->ref();
    }
    template<typename U>
        requires std::is_convertible_v<U*, T*>
    RefPtr(RefPtr<U>&& other)
        : m_ptr(other.m_ptr)
    {
        other.m_ptr = nullptr;
    }
    ~RefPtr() { clear(); }

    RefPtr& operator=(RefPtr const& other)
    {
        RefPtr copy(other);
        swap(copy);
        return *this;
    }
    RefPtr& operator=(RefPtr&& other)
    {
        RefPtr moved(std::move(other));
        swap(moved);
        return *this;
    }
    template<typename U>
        requires std::is_convertible_v<U*, T*>
    RefPtr& operator=(RefPtr<U>&& other)
    {
        RefPtr moved(std::move(other));
        swap(moved);
        return *this;
    }
    RefPtr& operator=(decltype(nullptr))
    {
        clear();
        return *this;
    }

    void clear()
    {
        T* old = m_ptr;
        m_ptr = nullptr;
        if (old)
            old->unref();
    }
    void swap(RefPtr& other) { std::swap(m_ptr, other.m_ptr); }

    // Gives up ownership without dropping the reference.
    [[nodiscard]] T* leak_ref()
    {
        T* object = m_ptr;
        m_ptr = nullptr;
        return object;
    }

    T* ptr() const { return m_ptr; }
    T* operator->() const
    {
        VERIFY(m_ptr);
        return m_ptr;
    }
    T& operator*() const
    {
        VERIFY(m_ptr);
        return *m_ptr;
    }
    explicit operator bool() const { return m_ptr != nullptr; }
    bool is_null() const { return m_ptr == nullptr; }

    template<typename U>
    bool operator==(RefPtr<U> const& other) const { return m_ptr == other.ptr(); }
    bool operator==(T const* other) const { return m_ptr == other; }
    bool operator==(decltype(nullptr)) const { return m_ptr == nullptr; }

private:
    template<typename U>
    friend class RefPtr;
    friend RefPtr adopt_ref<T>(T* object);

    T* m_ptr { nullptr };
};

// Takes over the reference a freshly created object starts with.
template<typename T>
RefPtr<T> adopt_ref(T* object)
{
    RefPtr<T> pointer;
    pointer.m_ptr = object;
    return pointer;
}

// `new (std::nothrow) T(args...)`, adopted; ENOMEM when memory ran out.
template<typename T, typename... Args>
ErrorOr<RefPtr<T>> try_make_ref_counted(Args&&... args)
{
    T* object = new (std::nothrow) T(std::forward<Args>(args)...);
    if (!object)
        return Error::from_errno(ENOMEM);
    return adopt_ref(object);
}
