// /tests/bin/memory_test: address spaces (CONCEPTS C8, issue 4 point 3):
// mmap (anonymous private and shared, file-backed private, MAP_FIXED,
// MAP_FIXED_NOREPLACE), munmap, mprotect (PROT_NONE, read-only, execute),
// brk, mremap (moving page-table entries: contents, copy-on-write and
// sharing kept, the old range freed), madvise(MADV_DONTNEED, MADV_DONTFORK),
// RLIMIT_DATA, stack growth, and the argument errors. Accesses that must fault run in a child whose death by SIGSEGV
// is the result.
#include "guest_test.h"

#include <cstdint>
#include <cstdlib>
#include <fcntl.h>
#include <initializer_list>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <atomic>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

namespace {

constexpr size_t kPage = 4096;

char* map_anonymous(size_t length, int prot = PROT_READ | PROT_WRITE, int flags = MAP_PRIVATE)
{
    void* address = mmap(nullptr, length, prot, flags | MAP_ANONYMOUS, -1, 0);
    return address == MAP_FAILED ? nullptr : static_cast<char*>(address);
}

// Runs `access` in a child with core dumps off and returns its wait status.
template<typename Access>
int status_of(Access access)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        rlimit no_core { 0, 0 };
        setrlimit(RLIMIT_CORE, &no_core);
        access();
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

void read_byte(const char* address)
{
    *static_cast<const volatile char*>(address);
}

void write_byte(char* address)
{
    *static_cast<volatile char*>(address) = 1;
}

// A scratch file in /tmp holding `length` bytes of pattern(i).
char pattern(size_t i) { return static_cast<char>('a' + i % 23); }

bool make_file(const char* path, size_t length)
{
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    if (fd < 0)
        return false;
    char* buffer = static_cast<char*>(malloc(length));
    for (size_t i = 0; i < length; ++i)
        buffer[i] = pattern(i);
    bool ok = write(fd, buffer, length) == static_cast<ssize_t>(length);
    free(buffer);
    close(fd);
    return ok;
}

}

TEST(anonymous_private_mapping_is_zeroed_and_writable)
{
    constexpr size_t kLength = 16 * kPage;
    char* memory = map_anonymous(kLength);
    EXPECT(memory != nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(memory) % kPage, 0);
    for (size_t i = 0; i < kLength; ++i)
        EXPECT_EQ(memory[i], 0);
    for (size_t i = 0; i < kLength; i += 64)
        memory[i] = static_cast<char>(i / 64);
    for (size_t i = 0; i < kLength; i += 64)
        EXPECT_EQ(memory[i], static_cast<char>(i / 64));
    EXPECT_OK(munmap(memory, kLength));
}

TEST(anonymous_mapping_length_rounds_up_to_a_page)
{
    char* memory = map_anonymous(100);
    EXPECT(memory != nullptr);
    memory[kPage - 1] = 5; // the rest of the page is mapped
    EXPECT_EQ(memory[kPage - 1], 5);
    EXPECT_OK(munmap(memory, 100));
}

TEST(shared_anonymous_mapping_visible_across_fork)
{
    auto* shared = reinterpret_cast<volatile int*>(map_anonymous(kPage, PROT_READ | PROT_WRITE, MAP_SHARED));
    auto* priv = reinterpret_cast<volatile int*>(map_anonymous(kPage));
    EXPECT(shared != nullptr);
    EXPECT(priv != nullptr);
    shared[0] = 1;
    priv[0] = 1;
    int status = guest_test::in_child([&] {
        shared[0] = 42;
        priv[0] = 42;
        shared[1023] = 43;
    });
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(shared[0], 42);
    EXPECT_EQ(shared[1023], 43);
    // The private page was copied at the child's write.
    EXPECT_EQ(priv[0], 1);
    // And the other way: the parent's later write reaches a new child.
    shared[0] = 7;
    status = guest_test::in_child([&] { EXPECT_EQ(shared[0], 7); });
    EXPECT_EXITED(status, 0);
    munmap(const_cast<int*>(shared), kPage);
    munmap(const_cast<int*>(priv), kPage);
}

TEST(map_fixed_replaces_existing_pages)
{
    char* memory = map_anonymous(3 * kPage);
    EXPECT(memory != nullptr);
    memset(memory, 'x', 3 * kPage);
    void* middle = mmap(memory + kPage, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    EXPECT(middle == memory + kPage);
    EXPECT_EQ(memory[0], 'x');
    EXPECT_EQ(memory[kPage - 1], 'x');
    EXPECT_EQ(memory[kPage], 0);
    EXPECT_EQ(memory[2 * kPage - 1], 0);
    EXPECT_EQ(memory[2 * kPage], 'x');
    EXPECT_OK(munmap(memory, 3 * kPage));
}

// A thread on another CPU keeps a page's translation in its TLB while the
// main thread replaces the page (MAP_FIXED over it) and writes the new one:
// the thread must then read the new page, never the old one through a stale
// entry (the targeted TLB shoot-down, mm/address_space.cpp).
namespace remap_across_cpus {
constexpr int kRounds = 40;
volatile long* page;
std::atomic<int> round { 0 };
std::atomic<int> answered { 0 };
std::atomic<long> value { 0 };

void pin_to(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)sched_setaffinity(0, sizeof(set), &set); // one CPU only: no second to pin to, fine
}

void* reader(void*)
{
    pin_to(1);
    for (int r = 1; r <= kRounds; ++r) {
        while (round.load() < r)
            (void)*page; // keeps the translation warm
        value.store(*page);
        answered.store(r);
    }
    return nullptr;
}
}

TEST(replaced_page_is_seen_by_a_thread_on_another_cpu)
{
    using namespace remap_across_cpus;
    char* memory = map_anonymous(kPage);
    EXPECT(memory != nullptr);
    page = reinterpret_cast<volatile long*>(memory);
    *page = 0;
    pin_to(0);
    pthread_t thread;
    EXPECT_EQ(pthread_create(&thread, nullptr, reader, nullptr), 0);
    int wrong = 0;
    for (int r = 1; r <= kRounds; ++r) {
        void* again = mmap(memory, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        EXPECT(again == memory);
        *page = r;
        round.store(r);
        while (answered.load() < r)
            sched_yield();
        if (value.load() != r)
            ++wrong;
    }
    EXPECT_EQ(pthread_join(thread, nullptr), 0);
    EXPECT_EQ(wrong, 0);
    cpu_set_t all;
    CPU_ZERO(&all);
    for (int cpu = 0; cpu < 64; ++cpu)
        CPU_SET(cpu, &all);
    (void)sched_setaffinity(0, sizeof(all), &all);
    EXPECT_OK(munmap(memory, kPage));
}

TEST(map_fixed_noreplace_eexist_on_mapped_range)
{
    char* memory = map_anonymous(2 * kPage);
    EXPECT(memory != nullptr);
    EXPECT_ERRNO((long)mmap(memory, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
    // Overlapping only the last page: still EEXIST.
    EXPECT_ERRNO((long)mmap(memory + kPage, 2 * kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
    // On a free range it maps exactly there.
    EXPECT_OK(munmap(memory, 2 * kPage));
    void* again = mmap(memory, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    EXPECT(again == memory);
    EXPECT_OK(munmap(again, kPage));
}

TEST(access_after_munmap_kills_with_sigsegv)
{
    char* memory = map_anonymous(kPage);
    EXPECT(memory != nullptr);
    memory[0] = 1;
    EXPECT_OK(munmap(memory, kPage));
    EXPECT_SIGNALED(status_of([&] { read_byte(memory); }), SIGSEGV);
    EXPECT_SIGNALED(status_of([&] { write_byte(memory); }), SIGSEGV);
}

TEST(munmap_middle_page_splits_the_mapping)
{
    char* memory = map_anonymous(3 * kPage);
    EXPECT(memory != nullptr);
    memset(memory, 'y', 3 * kPage);
    EXPECT_OK(munmap(memory + kPage, kPage));
    EXPECT_EQ(memory[0], 'y');
    EXPECT_EQ(memory[2 * kPage], 'y');
    EXPECT_SIGNALED(status_of([&] { read_byte(memory + kPage); }), SIGSEGV);
    EXPECT_OK(munmap(memory, 3 * kPage)); // unmapping a hole is fine
    EXPECT_SIGNALED(status_of([&] { read_byte(memory); }), SIGSEGV);
}

TEST(write_to_read_only_mapping_kills_with_sigsegv)
{
    char* memory = map_anonymous(kPage);
    EXPECT(memory != nullptr);
    memory[0] = 'r';
    EXPECT_OK(mprotect(memory, kPage, PROT_READ));
    EXPECT_EQ(memory[0], 'r'); // still readable
    EXPECT_SIGNALED(status_of([&] { write_byte(memory); }), SIGSEGV);
    // Writable again, contents kept.
    EXPECT_OK(mprotect(memory, kPage, PROT_READ | PROT_WRITE));
    memory[1] = 's';
    EXPECT_EQ(memory[0], 'r');
    EXPECT_EQ(memory[1], 's');
    EXPECT_OK(munmap(memory, kPage));
}

TEST(prot_none_access_kills_with_sigsegv)
{
    char* memory = map_anonymous(kPage, PROT_NONE);
    EXPECT(memory != nullptr);
    EXPECT_SIGNALED(status_of([&] { read_byte(memory); }), SIGSEGV);
    EXPECT_SIGNALED(status_of([&] { write_byte(memory); }), SIGSEGV);
    // mprotect to PROT_NONE after use, then back.
    char* other = map_anonymous(kPage);
    EXPECT(other != nullptr);
    other[10] = 'n';
    EXPECT_OK(mprotect(other, kPage, PROT_NONE));
    EXPECT_SIGNALED(status_of([&] { read_byte(other); }), SIGSEGV);
    EXPECT_OK(mprotect(other, kPage, PROT_READ));
    EXPECT_EQ(other[10], 'n');
    munmap(memory, kPage);
    munmap(other, kPage);
}

TEST(mprotect_part_of_a_mapping)
{
    char* memory = map_anonymous(3 * kPage);
    EXPECT(memory != nullptr);
    EXPECT_OK(mprotect(memory + kPage, kPage, PROT_READ));
    memory[0] = 1;
    memory[2 * kPage] = 1;
    EXPECT_SIGNALED(status_of([&] { write_byte(memory + kPage); }), SIGSEGV);
    EXPECT_OK(munmap(memory, 3 * kPage));
}

// Code written into a page runs once the page is executable; the same
// bytes in a non-executable page fault (NX).
TEST(execute_permission_is_enforced)
{
    // mov eax, 42; ret
    const unsigned char code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };
    char* memory = map_anonymous(kPage);
    EXPECT(memory != nullptr);
    memcpy(memory, code, sizeof(code));
    auto function = reinterpret_cast<int (*)()>(memory);
    EXPECT_SIGNALED(status_of([&] { function(); }), SIGSEGV);
    EXPECT_OK(mprotect(memory, kPage, PROT_READ | PROT_EXEC));
    EXPECT_EQ(function(), 42);
    EXPECT_OK(munmap(memory, kPage));
}

// sbrk/brk move the break; memory above the old break is usable, and
// after shrinking, the released pages fault.
TEST(brk_grows_and_shrinks)
{
    int status = guest_test::in_child([] {
        auto current = static_cast<uintptr_t>(syscall(SYS_brk, 0));
        EXPECT_EQ(current, reinterpret_cast<uintptr_t>(sbrk(0)));
        uintptr_t base = (current + kPage - 1) & ~(kPage - 1);
        // Grow to base + 4 pages.
        EXPECT_EQ(static_cast<uintptr_t>(syscall(SYS_brk, base + 4 * kPage)), base + 4 * kPage);
        char* heap = reinterpret_cast<char*>(base);
        for (size_t i = 0; i < 4 * kPage; ++i)
            EXPECT_EQ(heap[i], 0);
        memset(heap, 'b', 4 * kPage);
        EXPECT_EQ(heap[4 * kPage - 1], 'b');
        // Shrink to base + 1 page: page 0 kept, pages 1-3 released.
        EXPECT_EQ(static_cast<uintptr_t>(syscall(SYS_brk, base + kPage)), base + kPage);
        EXPECT_EQ(heap[0], 'b');
        EXPECT_SIGNALED(status_of([&] { read_byte(heap + 2 * kPage); }), SIGSEGV);
        // Growing again gives zeroed pages, not the old contents.
        EXPECT_EQ(static_cast<uintptr_t>(syscall(SYS_brk, base + 3 * kPage)), base + 3 * kPage);
        EXPECT_EQ(heap[2 * kPage], 0);
        // A break below the start of the heap is refused: brk returns the
        // current break unchanged (no errno).
        EXPECT_EQ(static_cast<uintptr_t>(syscall(SYS_brk, 4096)), base + 3 * kPage);
    });
    EXPECT_EXITED(status, 0);
}

TEST(sbrk_increments)
{
    int status = guest_test::in_child([] {
        char* before = static_cast<char*>(sbrk(0));
        char* grown = static_cast<char*>(sbrk(64 * 1024));
        EXPECT(grown == before);
        EXPECT(static_cast<char*>(sbrk(0)) == before + 64 * 1024);
        memset(before, 's', 64 * 1024);
        EXPECT(static_cast<char*>(sbrk(-64 * 1024)) == before + 64 * 1024);
        EXPECT(static_cast<char*>(sbrk(0)) == before);
    });
    EXPECT_EXITED(status, 0);
}

TEST(mremap_grows_shrinks_and_moves)
{
    char* memory = map_anonymous(kPage);
    EXPECT(memory != nullptr);
    memset(memory, 'm', kPage);
    // Grow, allowed to move: contents kept, new part zeroed.
    auto* grown = static_cast<char*>(mremap(memory, kPage, 4 * kPage, MREMAP_MAYMOVE));
    EXPECT(grown != MAP_FAILED);
    EXPECT_EQ(grown[0], 'm');
    EXPECT_EQ(grown[kPage - 1], 'm');
    EXPECT_EQ(grown[kPage], 0);
    EXPECT_EQ(grown[4 * kPage - 1], 0);
    grown[4 * kPage - 1] = 'e';
    // Shrink in place: the tail goes away.
    EXPECT(mremap(grown, 4 * kPage, 2 * kPage, 0) == grown);
    EXPECT_SIGNALED(status_of([&] { read_byte(grown + 3 * kPage); }), SIGSEGV);
    // Move to a chosen place with MREMAP_FIXED: the old range is unmapped.
    char* target = map_anonymous(2 * kPage);
    EXPECT(target != nullptr);
    auto* moved = static_cast<char*>(mremap(grown, 2 * kPage, 2 * kPage, MREMAP_MAYMOVE | MREMAP_FIXED, target));
    EXPECT(moved == target);
    EXPECT_EQ(moved[0], 'm');
    EXPECT_EQ(moved[kPage], 0);
    EXPECT_SIGNALED(status_of([&] { read_byte(grown); }), SIGSEGV);
    EXPECT_OK(munmap(moved, 2 * kPage));
}

TEST(mremap_errors)
{
    char* memory = map_anonymous(2 * kPage);
    EXPECT(memory != nullptr);
    // Growing the first page into the (mapped) second without MAYMOVE.
    EXPECT_ERRNO((long)mremap(memory, kPage, 2 * kPage, 0), ENOMEM);
    // Unaligned old address, zero new size, unknown flags.
    EXPECT_ERRNO((long)mremap(memory + 1, kPage, kPage, 0), EINVAL);
    EXPECT_ERRNO((long)mremap(memory, kPage, 0, 0), EINVAL);
    EXPECT_ERRNO((long)mremap(memory, kPage, kPage, 0x100), EINVAL);
    // MREMAP_FIXED without MREMAP_MAYMOVE.
    EXPECT_ERRNO((long)mremap(memory, kPage, kPage, MREMAP_FIXED, memory + kPage), EINVAL);
    EXPECT_OK(munmap(memory, 2 * kPage));
    // Nothing mapped there any more.
    EXPECT_ERRNO((long)mremap(memory, kPage, 2 * kPage, MREMAP_MAYMOVE), EFAULT);
}

// Fills page i of `memory` with the byte 'a' + i.
void fill_pages(char* memory, size_t pages)
{
    for (size_t i = 0; i < pages; ++i)
        memset(memory + i * kPage, 'a' + static_cast<int>(i), kPage);
}

// Page i holds 'a' + i throughout.
bool pages_hold_fill(const char* memory, size_t pages)
{
    for (size_t i = 0; i < pages; ++i) {
        for (size_t at = 0; at < kPage; ++at) {
            if (memory[i * kPage + at] != 'a' + static_cast<int>(i))
                return false;
        }
    }
    return true;
}

// mincore answers ENOMEM for a range with unmapped pages in it.
bool is_unmapped(void* address, size_t length)
{
    unsigned char vector[16];
    return mincore(address, length, vector) == -1 && errno == ENOMEM;
}

TEST(mremap_move_keeps_contents_and_frees_the_old_range)
{
    // Four pages and, right after them, a PROT_NONE page (an area of its
    // own) that leaves no room to grow in place.
    char* memory = map_anonymous(5 * kPage);
    EXPECT(memory != nullptr);
    EXPECT_OK(mprotect(memory + 4 * kPage, kPage, PROT_NONE));
    fill_pages(memory, 3); // the fourth page stays untouched
    auto* moved = static_cast<char*>(mremap(memory, 4 * kPage, 8 * kPage, MREMAP_MAYMOVE));
    EXPECT(moved != MAP_FAILED);
    EXPECT(moved != memory);
    EXPECT(pages_hold_fill(moved, 3));
    EXPECT_EQ(moved[3 * kPage], 0);     // never touched before the move
    EXPECT_EQ(moved[8 * kPage - 1], 0); // the new part
    moved[8 * kPage - 1] = 'z';
    EXPECT(is_unmapped(memory, 4 * kPage));
    EXPECT_SIGNALED(status_of([&] { read_byte(memory); }), SIGSEGV);
    EXPECT_SIGNALED(status_of([&] { read_byte(memory + 3 * kPage); }), SIGSEGV);
    // The PROT_NONE neighbour is still there, untouched by the move.
    EXPECT(!is_unmapped(memory + 4 * kPage, kPage));
    EXPECT_OK(munmap(moved, 8 * kPage));
    EXPECT_OK(munmap(memory + 4 * kPage, kPage));
}

TEST(mremap_a_mapping_moved_twice)
{
    char* first = map_anonymous(3 * kPage);
    char* places = map_anonymous(6 * kPage); // two free places, reserved
    EXPECT(first != nullptr && places != nullptr);
    fill_pages(first, 3);
    auto* second = static_cast<char*>(mremap(first, 3 * kPage, 3 * kPage, MREMAP_MAYMOVE | MREMAP_FIXED, places));
    EXPECT(second == places);
    EXPECT(pages_hold_fill(second, 3));
    second[0] = 'A'; // a page written after the first move moves on too
    auto* third = static_cast<char*>(
        mremap(second, 3 * kPage, 3 * kPage, MREMAP_MAYMOVE | MREMAP_FIXED, places + 3 * kPage));
    EXPECT(third == places + 3 * kPage);
    EXPECT_EQ(third[0], 'A');
    EXPECT_EQ(third[1], 'a');
    EXPECT_EQ(third[kPage], 'b');
    EXPECT_EQ(third[3 * kPage - 1], 'c');
    EXPECT(is_unmapped(first, 3 * kPage));
    EXPECT(is_unmapped(second, 3 * kPage));
    EXPECT_OK(munmap(third, 3 * kPage));
}

TEST(mremap_grows_in_place_when_there_is_room_and_moves_otherwise)
{
    // Room after it: the area just gets longer, even without MAYMOVE.
    char* memory = map_anonymous(4 * kPage);
    EXPECT(memory != nullptr);
    EXPECT_OK(munmap(memory + kPage, 3 * kPage));
    memory[0] = 'g';
    EXPECT(mremap(memory, kPage, 4 * kPage, 0) == memory);
    EXPECT_EQ(memory[0], 'g');
    EXPECT_EQ(memory[4 * kPage - 1], 0);
    // No room (a different area right after): ENOMEM without MAYMOVE,
    // a move with it.
    EXPECT_OK(mprotect(memory + 2 * kPage, 2 * kPage, PROT_READ));
    EXPECT_ERRNO((long)mremap(memory, 2 * kPage, 3 * kPage, 0), ENOMEM);
    auto* moved = static_cast<char*>(mremap(memory, 2 * kPage, 3 * kPage, MREMAP_MAYMOVE));
    EXPECT(moved != MAP_FAILED && moved != memory);
    EXPECT_EQ(moved[0], 'g');
    EXPECT(is_unmapped(memory, 2 * kPage));
    EXPECT(!is_unmapped(memory + 2 * kPage, 2 * kPage)); // the read-only rest stayed
    EXPECT_OK(munmap(moved, 3 * kPage));
    EXPECT_OK(munmap(memory + 2 * kPage, 2 * kPage));
}

TEST(mremap_move_keeps_copy_on_write_after_fork)
{
    char* memory = map_anonymous(2 * kPage);
    EXPECT(memory != nullptr);
    fill_pages(memory, 2);
    int status = guest_test::in_child([&] {
        // The child moves its copy and writes to it; the parent's stays.
        auto* moved = static_cast<char*>(mremap(memory, 2 * kPage, 4 * kPage, MREMAP_MAYMOVE));
        EXPECT(moved != MAP_FAILED);
        EXPECT(pages_hold_fill(moved, 2));
        memset(moved, 'c', 2 * kPage);
        EXPECT_EQ(moved[kPage], 'c');
    });
    EXPECT_EXITED(status, 0);
    EXPECT(pages_hold_fill(memory, 2));
    // And the other way round: the parent moves and writes, a child forked
    // before sees the old contents.
    int ready[2];
    int done[2];
    EXPECT_OK(pipe(ready));
    EXPECT_OK(pipe(done));
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        char byte;
        if (read(ready[0], &byte, 1) != 1)
            _exit(2);
        _exit(pages_hold_fill(memory, 2) ? 0 : 1);
    }
    auto* moved = static_cast<char*>(mremap(memory, 2 * kPage, 2 * kPage, MREMAP_MAYMOVE | MREMAP_FIXED,
        map_anonymous(2 * kPage)));
    EXPECT(moved != MAP_FAILED);
    memset(moved, 'p', 2 * kPage);
    EXPECT_OK(write(ready[1], "g", 1));
    int child_status = 0;
    EXPECT_EQ(waitpid(child, &child_status, 0), child);
    EXPECT_EXITED(child_status, 0);
    close(ready[0]);
    close(ready[1]);
    close(done[0]);
    close(done[1]);
    EXPECT_OK(munmap(moved, 2 * kPage));
}

TEST(mremap_move_of_a_shared_mapping_stays_shared)
{
    char* memory = map_anonymous(kPage, PROT_READ | PROT_WRITE, MAP_SHARED);
    EXPECT(memory != nullptr);
    memory[0] = 's';
    int ready[2];
    EXPECT_OK(pipe(ready));
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        char byte;
        if (read(ready[0], &byte, 1) != 1)
            _exit(2);
        _exit(memory[0] == 'm' ? 0 : 1); // the parent's write through the moved mapping
    }
    auto* moved = static_cast<char*>(mremap(memory, kPage, 2 * kPage, MREMAP_MAYMOVE | MREMAP_FIXED,
        map_anonymous(2 * kPage)));
    EXPECT(moved != MAP_FAILED);
    EXPECT_EQ(moved[0], 's');
    moved[0] = 'm';
    EXPECT_OK(write(ready[1], "g", 1));
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EXITED(status, 0);
    close(ready[0]);
    close(ready[1]);
    EXPECT_OK(munmap(moved, 2 * kPage));
}

TEST(mremap_dontunmap_moves_pages_and_leaves_the_old_range_empty)
{
    char* memory = map_anonymous(2 * kPage);
    EXPECT(memory != nullptr);
    fill_pages(memory, 2);
    auto* moved = static_cast<char*>(mremap(memory, 2 * kPage, 2 * kPage, MREMAP_MAYMOVE | MREMAP_DONTUNMAP));
    if (moved == MAP_FAILED && errno == EINVAL) {
        // Some Linux hosts (sandboxed kernels) refuse the flag outright.
        EXPECT_OK(munmap(memory, 2 * kPage));
        SKIP("this kernel refuses MREMAP_DONTUNMAP");
    }
    EXPECT(moved != MAP_FAILED && moved != memory);
    EXPECT(pages_hold_fill(moved, 2));
    // Still mapped, but its pages went: private anonymous memory reads zeros.
    EXPECT(!is_unmapped(memory, 2 * kPage));
    EXPECT_EQ(memory[0], 0);
    EXPECT_EQ(memory[kPage], 0);
    EXPECT_OK(munmap(moved, 2 * kPage));
    EXPECT_OK(munmap(memory, 2 * kPage));
}

TEST(madvise_dontfork_region_is_absent_in_the_child)
{
    char* memory = map_anonymous(3 * kPage);
    EXPECT(memory != nullptr);
    fill_pages(memory, 3);
    EXPECT_OK(madvise(memory + kPage, kPage, MADV_DONTFORK));
    // The child has the pages around it but not that one.
    EXPECT_SIGNALED(status_of([&] { read_byte(memory + kPage); }), SIGSEGV);
    int status = guest_test::in_child([&] {
        EXPECT_EQ(memory[0], 'a');
        EXPECT_EQ(memory[2 * kPage], 'c');
        EXPECT(is_unmapped(memory + kPage, kPage));
    });
    EXPECT_EXITED(status, 0);
    EXPECT(pages_hold_fill(memory, 3)); // the parent keeps it
    // MADV_DOFORK: inherited again.
    EXPECT_OK(madvise(memory + kPage, kPage, MADV_DOFORK));
    status = guest_test::in_child([&] { EXPECT(pages_hold_fill(memory, 3)); });
    EXPECT_EXITED(status, 0);
    // Unmapped ranges are ENOMEM.
    EXPECT_OK(munmap(memory, 3 * kPage));
    EXPECT_ERRNO(madvise(memory, kPage, MADV_DONTFORK), ENOMEM);
}

TEST(rlimit_data_limits_brk_and_private_writable_mappings)
{
    int status = guest_test::in_child([] {
        constexpr rlim_t kLimit = 16 << 20;
        rlimit limit { kLimit, kLimit };
        EXPECT_OK(setrlimit(RLIMIT_DATA, &limit));
        // brk past the limit fails with ENOMEM and leaves the break alone;
        // a small step still works.
        void* before = sbrk(0);
        EXPECT(sbrk(32 << 20) == reinterpret_cast<void*>(-1));
        EXPECT_EQ(errno, ENOMEM);
        EXPECT(sbrk(0) == before);
        EXPECT(sbrk(kPage) != reinterpret_cast<void*>(-1));
        // Private writable mappings count; shared and read-only ones do not.
        EXPECT(map_anonymous(32 << 20) == nullptr);
        EXPECT_EQ(errno, ENOMEM);
        char* shared = map_anonymous(32 << 20, PROT_READ | PROT_WRITE, MAP_SHARED);
        EXPECT(shared != nullptr);
        char* read_only = map_anonymous(32 << 20, PROT_READ);
        EXPECT(read_only != nullptr);
        // Making private memory writable counts as mapping it (mprotect).
        EXPECT_ERRNO(mprotect(read_only, 32 << 20, PROT_READ | PROT_WRITE), ENOMEM);
        EXPECT_OK(mprotect(read_only, kPage, PROT_READ | PROT_WRITE));
        char* small = map_anonymous(kPage);
        EXPECT(small != nullptr);
        // Growing a private writable mapping past it fails too.
        EXPECT_ERRNO((long)mremap(small, kPage, 32 << 20, MREMAP_MAYMOVE), ENOMEM);
    });
    EXPECT_EXITED(status, 0);
}

TEST(madvise_dontneed_zeroes_private_anonymous_memory)
{
    char* memory = map_anonymous(4 * kPage);
    EXPECT(memory != nullptr);
    memset(memory, 'd', 4 * kPage);
    EXPECT_OK(madvise(memory + kPage, 2 * kPage, MADV_DONTNEED));
    EXPECT_EQ(memory[0], 'd');
    EXPECT_EQ(memory[kPage], 0);
    EXPECT_EQ(memory[3 * kPage - 1], 0);
    EXPECT_EQ(memory[3 * kPage], 'd');
    // Still mapped and writable.
    memory[kPage] = 'z';
    EXPECT_EQ(memory[kPage], 'z');
    EXPECT_ERRNO(madvise(memory + 1, kPage, MADV_DONTNEED), EINVAL);
    EXPECT_ERRNO(madvise(memory, kPage, 12345), EINVAL);
    EXPECT_OK(munmap(memory, 4 * kPage));
    EXPECT_ERRNO(madvise(memory, kPage, MADV_DONTNEED), ENOMEM);
}

TEST(file_backed_private_mapping_sees_file_content)
{
    char path[] = "/tmp/gt_memory_XXXXXX";
    int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    close(fd);
    constexpr size_t kLength = 2 * kPage + 100; // the last page is partial
    EXPECT(make_file(path, kLength));
    fd = EXPECT_OK(open(path, O_RDWR));
    auto* mapped = static_cast<char*>(mmap(nullptr, kLength, PROT_READ, MAP_PRIVATE, fd, 0));
    bool ok = mapped != MAP_FAILED;
    size_t mismatches = 0;
    if (ok) {
        for (size_t i = 0; i < kLength; ++i)
            mismatches += mapped[i] != pattern(i);
    }
    // Past the end of the file, the rest of the last page reads as zero.
    char past_end = ok ? mapped[kLength + 10] : 1;
    // With an offset: page 1 of the file.
    auto* offset = static_cast<char*>(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, fd, kPage));
    bool offset_ok = offset != MAP_FAILED && offset[0] == pattern(kPage) && offset[kPage - 1] == pattern(2 * kPage - 1);
    // A writable private mapping: writes stay private (copy-on-write), the
    // file keeps its content.
    auto* writable = static_cast<char*>(mmap(nullptr, kLength, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
    bool writable_ok = writable != MAP_FAILED;
    char file_byte = 0;
    if (writable_ok) {
        writable[0] = '!';
        writable_ok = writable[0] == '!' && writable[1] == pattern(1);
        if (pread(fd, &file_byte, 1, 0) != 1)
            file_byte = 0;
        // MADV_DONTNEED on a private file page drops the private copy.
        madvise(writable, kPage, MADV_DONTNEED);
        writable_ok = writable_ok && writable[0] == pattern(0);
    }
    if (ok)
        munmap(mapped, kLength);
    if (offset != MAP_FAILED)
        munmap(offset, kPage);
    if (writable != MAP_FAILED)
        munmap(writable, kLength);
    // The mapping outlives the descriptor.
    auto* after_close = static_cast<char*>(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, fd, 0));
    close(fd);
    bool after_close_ok = after_close != MAP_FAILED && after_close[5] == pattern(5);
    if (after_close != MAP_FAILED)
        munmap(after_close, kPage);
    unlink(path);
    EXPECT(ok);
    EXPECT_EQ(mismatches, 0);
    EXPECT_EQ(past_end, 0);
    EXPECT(offset_ok);
    EXPECT(writable_ok);
    EXPECT_EQ(file_byte, pattern(0));
    EXPECT(after_close_ok);
}

TEST(file_mapping_errors)
{
    char path[] = "/tmp/gt_memory_XXXXXX";
    int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, "data", 4), 4);
    // Unaligned offset.
    errno = 0;
    long unaligned = (long)mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, fd, 100);
    int unaligned_errno = errno;
    // A descriptor opened write-only cannot be mapped for reading.
    int write_only = open(path, O_WRONLY);
    errno = 0;
    long from_write_only = (long)mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, write_only, 0);
    int write_only_errno = errno;
    close(write_only);
    close(fd);
    unlink(path);
    EXPECT_EQ(unaligned, -1);
    EXPECT_EQ(unaligned_errno, EINVAL);
    EXPECT_EQ(from_write_only, -1);
    EXPECT_EQ(write_only_errno, EACCES);
    // Not a descriptor at all.
    EXPECT_ERRNO((long)mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, -1, 0), EBADF);
    EXPECT_ERRNO((long)mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, 9999, 0), EBADF);
}

namespace {

// About 1 MiB of stack in 256 frames of 4 KiB, each touched in full.
__attribute__((noinline)) long recurse(int depth)
{
    volatile char frame[4000];
    memset(const_cast<char*>(frame), depth & 0x7f, sizeof(frame));
    long below = depth > 0 ? recurse(depth - 1) : 0;
    return below + frame[depth % sizeof(frame)] + frame[sizeof(frame) - 1];
}

}

TEST(stack_grows_for_deep_recursion)
{
    int status = guest_test::in_child([] {
        long expected = 0;
        for (int depth = 0; depth <= 256; ++depth)
            expected += 2 * (depth & 0x7f);
        EXPECT_EQ(recurse(256), expected);
    });
    EXPECT_EXITED(status, 0);
}

// RLIMIT_STACK bounds the growth: with 256 KiB, ~2 MiB of recursion
// must end in SIGSEGV rather than a bigger stack.
TEST(stack_growth_stops_at_rlimit_stack)
{
    EXPECT_SIGNALED(status_of([] {
        rlimit limit { 256 * 1024, 256 * 1024 };
        if (setrlimit(RLIMIT_STACK, &limit) != 0)
            _exit(3);
        volatile long sink = recurse(512);
        (void)sink;
    }),
        SIGSEGV);
}

TEST(bad_arguments_einval)
{
    // Zero length.
    EXPECT_ERRNO((long)mmap(nullptr, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    // MAP_FIXED at an unaligned address.
    EXPECT_ERRNO((long)mmap(reinterpret_cast<void*>(0x10000001), kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL);
    // Neither MAP_PRIVATE nor MAP_SHARED.
    EXPECT_ERRNO((long)mmap(nullptr, kPage, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);
    // munmap and mprotect need page alignment and a length.
    char* memory = map_anonymous(kPage);
    EXPECT(memory != nullptr);
    EXPECT_ERRNO(munmap(memory + 1, kPage), EINVAL);
    EXPECT_ERRNO(munmap(memory, 0), EINVAL);
    EXPECT_ERRNO(mprotect(memory + 1, kPage, PROT_READ), EINVAL);
    EXPECT_ERRNO(mprotect(memory, kPage, 0x100 /* no such protection */), EINVAL);
    EXPECT_OK(munmap(memory, kPage));
    // mprotect of an unmapped range.
    EXPECT_ERRNO(mprotect(memory, kPage, PROT_READ), ENOMEM);
    // The whole user half of the address space is not available.
    EXPECT_ERRNO((long)mmap(nullptr, 1UL << 47, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), ENOMEM);
    // A kernel address cannot be mapped, even with MAP_FIXED.
    EXPECT_ERRNO((long)mmap(reinterpret_cast<void*>(0xffffffff80000000UL), kPage, PROT_READ,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
        ENOMEM);
}

TEST(map_stack_noreserve_and_populate_are_accepted)
{
    for (int flag : { MAP_STACK, MAP_NORESERVE, MAP_POPULATE, MAP_STACK | MAP_NORESERVE }) {
        char* memory = map_anonymous(4 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | flag);
        EXPECT(memory != nullptr);
        EXPECT_EQ(memory[3 * kPage], 0);
        memory[3 * kPage] = 1;
        EXPECT_OK(munmap(memory, 4 * kPage));
    }
}

TEST(many_mappings_are_distinct)
{
    constexpr int kMappings = 256;
    char* mappings[kMappings];
    for (int i = 0; i < kMappings; ++i) {
        mappings[i] = map_anonymous(kPage);
        EXPECT(mappings[i] != nullptr);
        mappings[i][0] = static_cast<char>(i);
    }
    for (int i = 0; i < kMappings; ++i)
        EXPECT_EQ(mappings[i][0], static_cast<char>(i));
    for (int i = 0; i < kMappings; ++i)
        EXPECT_OK(munmap(mappings[i], kPage));
}

int main()
{
    return guest_test::run_tests();
}
