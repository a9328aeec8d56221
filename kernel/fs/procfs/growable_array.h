// GrowableArray<T>: the small growable array procfs collects snapshots in
// (PIDs of a /proc listing, a process's threads, the mount list, the CPUs).
// Allocation failure is an error value (ENOMEM), never a crash; elements
// are moved when the storage grows. It lives here until kernel/lib has a
// vector of its own; then this file goes and its users switch.
// Host-buildable.
#pragma once

#include <lib/error_or.h>
#include <lib/types.h>
#include <new>
#include <utility>

namespace procfs {

template<typename T>
class GrowableArray {
public:
    GrowableArray() = default;
    GrowableArray(GrowableArray const&) = delete;
    GrowableArray& operator=(GrowableArray const&) = delete;
    GrowableArray(GrowableArray&& other)
        : m_items(other.m_items)
        , m_size(other.m_size)
        , m_capacity(other.m_capacity)
    {
        other.m_items = nullptr;
        other.m_size = other.m_capacity = 0;
    }
    GrowableArray& operator=(GrowableArray&& other)
    {
        if (this != &other) {
            release();
            m_items = other.m_items;
            m_size = other.m_size;
            m_capacity = other.m_capacity;
            other.m_items = nullptr;
            other.m_size = other.m_capacity = 0;
        }
        return *this;
    }
    ~GrowableArray() { release(); }

    ErrorOr<void> try_append(T value)
    {
        if (m_size == m_capacity)
            TRY(grow(m_capacity ? m_capacity * 2 : 8));
        new (&m_items[m_size]) T(std::move(value));
        ++m_size;
        return {};
    }

    void clear()
    {
        for (usize i = 0; i < m_size; ++i)
            m_items[i].~T();
        m_size = 0;
    }

    usize size() const { return m_size; }
    bool is_empty() const { return m_size == 0; }
    T& operator[](usize index)
    {
        VERIFY(index < m_size);
        return m_items[index];
    }
    T const& operator[](usize index) const
    {
        VERIFY(index < m_size);
        return m_items[index];
    }
    T* begin() { return m_items; }
    T* end() { return m_items + m_size; }
    T const* begin() const { return m_items; }
    T const* end() const { return m_items + m_size; }

    // Insertion sort by `less(a, b)`: the arrays here hold tens to
    // hundreds of items, often already in order.
    template<typename Less>
    void sort(Less less)
    {
        for (usize i = 1; i < m_size; ++i) {
            for (usize j = i; j > 0 && less(m_items[j], m_items[j - 1]); --j)
                std::swap(m_items[j], m_items[j - 1]);
        }
    }

private:
    ErrorOr<void> grow(usize capacity)
    {
        // Raw storage: elements are constructed only when appended.
        auto* items = static_cast<T*>(::operator new(capacity * sizeof(T), std::align_val_t(alignof(T)), std::nothrow));
        if (!items)
            return Error::from_errno(ENOMEM);
        for (usize i = 0; i < m_size; ++i) {
            new (&items[i]) T(std::move(m_items[i]));
            m_items[i].~T();
        }
        ::operator delete(m_items, std::align_val_t(alignof(T)));
        m_items = items;
        m_capacity = capacity;
        return {};
    }

    void release()
    {
        clear();
        ::operator delete(m_items, std::align_val_t(alignof(T)));
        m_items = nullptr;
        m_capacity = 0;
    }

    T* m_items { nullptr };
    usize m_size { 0 };
    usize m_capacity { 0 };
};

}
