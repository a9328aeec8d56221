// /tests/bin/copy_fault_test: read() and write() whose user buffer is a
// page nobody has touched yet, so the kernel's copy itself faults it in
// (CONCEPTS C8, issue 4): an anonymous page, a private mapping of another
// file, and a mapping of the very file being read or written. In Haneul the
// copy runs with the file's position lock (a mutex) held, and a file page
// comes from its inode under the inode's mutex, with the address space's
// spinlock dropped meanwhile; these tests are the lock orders that must
// neither deadlock nor trip the sleep-in-spinlock checks. Several threads
// do it at once at the end (run on four CPUs too: guest.user_smp4).
#include "guest_test.h"

#include <cstdlib>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>

namespace {

constexpr size_t kPage = 4096;
constexpr size_t kPages = 4;
constexpr size_t kLength = kPages * kPage;

char byte_of(char seed, size_t i) { return static_cast<char>(seed + i * 7 + i / kPage); }

// A temporary file of kLength bytes: byte i is byte_of(seed, i). Returns
// an O_RDWR descriptor; the name is gone already.
int make_file(char seed)
{
    char path[] = "/tmp/gt_copy_fault_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    unlink(path);
    static char data[kLength];
    for (size_t i = 0; i < kLength; ++i)
        data[i] = byte_of(seed, i);
    if (pwrite(fd, data, kLength, 0) != static_cast<ssize_t>(kLength)) {
        close(fd);
        return -1;
    }
    return fd;
}

bool holds(const char* memory, size_t length, char seed, size_t file_offset)
{
    for (size_t i = 0; i < length; ++i) {
        if (memory[i] != byte_of(seed, file_offset + i))
            return false;
    }
    return true;
}

bool file_holds(int fd, size_t offset, size_t length, char seed, size_t seed_offset)
{
    static char buffer[kLength];
    if (pread(fd, buffer, length, offset) != static_cast<ssize_t>(length))
        return false;
    return holds(buffer, length, seed, seed_offset);
}

char* map_file(int fd, int prot, int flags, size_t length = kLength)
{
    void* address = mmap(nullptr, length, prot, flags, fd, 0);
    return address == MAP_FAILED ? nullptr : static_cast<char*>(address);
}

}

TEST(read_into_an_untouched_anonymous_page)
{
    int fd = make_file('a');
    EXPECT_GE(fd, 0);
    auto* buffer = static_cast<char*>(mmap(nullptr, kLength, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT(buffer != MAP_FAILED);
    EXPECT_OK(lseek(fd, 0, SEEK_SET));
    EXPECT_EQ(read(fd, buffer, kLength), static_cast<ssize_t>(kLength));
    EXPECT(holds(buffer, kLength, 'a', 0));
    EXPECT_OK(munmap(buffer, kLength));
    close(fd);
}

TEST(read_into_an_untouched_private_mapping_of_another_file)
{
    int source = make_file('s');
    int other = make_file('o');
    EXPECT_GE(source, 0);
    EXPECT_GE(other, 0);
    char* buffer = map_file(other, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    EXPECT(buffer != nullptr);
    EXPECT_OK(lseek(source, 0, SEEK_SET));
    EXPECT_EQ(read(source, buffer, kLength), static_cast<ssize_t>(kLength));
    EXPECT(holds(buffer, kLength, 's', 0));
    EXPECT(file_holds(other, 0, kLength, 'o', 0)); // private: the mapped file is unchanged
    // The file's last reference is the mapping's: the unmap frees it.
    close(other);
    EXPECT_OK(munmap(buffer, kLength));
    close(source);
}

TEST(read_into_an_untouched_private_mapping_of_the_same_file)
{
    int fd = make_file('m');
    EXPECT_GE(fd, 0);
    char* buffer = map_file(fd, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    EXPECT(buffer != nullptr);
    // The file's pages 1..3 into the mapping's pages 0..2.
    EXPECT_OK(lseek(fd, kPage, SEEK_SET));
    EXPECT_EQ(read(fd, buffer, kLength - kPage), static_cast<ssize_t>(kLength - kPage));
    EXPECT(holds(buffer, kLength - kPage, 'm', kPage));
    EXPECT(holds(buffer + kLength - kPage, kPage, 'm', kLength - kPage)); // untouched by the read
    EXPECT(file_holds(fd, 0, kLength, 'm', 0));
    EXPECT_OK(munmap(buffer, kLength));
    close(fd);
}

TEST(read_into_a_shared_mapping_of_the_same_file)
{
    int fd = make_file('h');
    EXPECT_GE(fd, 0);
    char* buffer = map_file(fd, PROT_READ | PROT_WRITE, MAP_SHARED);
    EXPECT(buffer != nullptr);
    // Page 3 of the file lands on page 0 of the file, through the mapping.
    EXPECT_EQ(pread(fd, buffer, kPage, 3 * kPage), static_cast<ssize_t>(kPage));
    EXPECT(file_holds(fd, 0, kPage, 'h', 3 * kPage));
    EXPECT_OK(munmap(buffer, kLength));
    close(fd);
}

TEST(write_from_an_untouched_mapping_of_the_same_file)
{
    int fd = make_file('w');
    EXPECT_GE(fd, 0);
    char* source = map_file(fd, PROT_READ, MAP_PRIVATE);
    EXPECT(source != nullptr);
    // Append the file's first two pages to itself, straight from its mapping.
    EXPECT_OK(lseek(fd, 0, SEEK_END));
    EXPECT_EQ(write(fd, source, 2 * kPage), static_cast<ssize_t>(2 * kPage));
    struct stat info {};
    EXPECT_OK(fstat(fd, &info));
    EXPECT_EQ(info.st_size, static_cast<off_t>(kLength + 2 * kPage));
    EXPECT(file_holds(fd, kLength, 2 * kPage, 'w', 0));
    // And over itself: page 2 written from page 0's mapping (untouched page 2 of a new mapping).
    char* again = map_file(fd, PROT_READ, MAP_SHARED);
    EXPECT(again != nullptr);
    EXPECT_OK(lseek(fd, 2 * kPage, SEEK_SET));
    EXPECT_EQ(write(fd, again + kPage, kPage), static_cast<ssize_t>(kPage));
    EXPECT(file_holds(fd, 2 * kPage, kPage, 'w', kPage));
    EXPECT_OK(munmap(source, kLength));
    EXPECT_OK(munmap(again, kLength));
    close(fd);
}

TEST(write_from_an_untouched_mapping_of_another_file)
{
    int target = make_file('t');
    int source_file = make_file('f');
    EXPECT_GE(target, 0);
    EXPECT_GE(source_file, 0);
    char* source = map_file(source_file, PROT_READ, MAP_PRIVATE);
    EXPECT(source != nullptr);
    EXPECT_OK(lseek(target, kPage, SEEK_SET));
    EXPECT_EQ(write(target, source, 2 * kPage), static_cast<ssize_t>(2 * kPage));
    EXPECT(file_holds(target, 0, kPage, 't', 0));
    EXPECT(file_holds(target, kPage, 2 * kPage, 'f', 0));
    EXPECT(file_holds(target, 3 * kPage, kPage, 't', 3 * kPage));
    EXPECT_OK(munmap(source, kLength));
    close(target);
    close(source_file);
}

TEST(read_into_a_mapping_past_the_end_of_its_file_is_efault)
{
    int source = make_file('e');
    EXPECT_GE(source, 0);
    char path[] = "/tmp/gt_copy_short_XXXXXX";
    int short_file = mkstemp(path);
    EXPECT_GE(short_file, 0);
    unlink(path);
    EXPECT_EQ(write(short_file, "x", 1), 1);
    // Two pages mapped over a one-byte file: the second is past its end.
    char* buffer = map_file(short_file, PROT_READ | PROT_WRITE, MAP_PRIVATE, 2 * kPage);
    EXPECT(buffer != nullptr);
    EXPECT_ERRNO(pread(source, buffer + kPage, 16, 0), EFAULT);
    // The first page is fine.
    EXPECT_EQ(pread(source, buffer, 16, 0), 16);
    EXPECT(holds(buffer, 16, 'e', 0));
    EXPECT_OK(munmap(buffer, 2 * kPage));
    close(short_file);
    close(source);
}

namespace {

struct Worker {
    int fd;      // shared by all workers: one open file, one position lock
    char* base;  // this worker's private mapping of the same file
    bool ok;
};

void* copy_worker(void* argument)
{
    auto* worker = static_cast<Worker*>(argument);
    worker->ok = true;
    for (size_t page = 0; page < kPages; ++page) {
        // pread into an untouched page of a private mapping of the file
        // that one descriptor reads, while the others do the same.
        if (pread(worker->fd, worker->base + page * kPage, kPage, (kPages - 1 - page) * kPage)
            != static_cast<ssize_t>(kPage))
            worker->ok = false;
        else if (!holds(worker->base + page * kPage, kPage, 'p', (kPages - 1 - page) * kPage))
            worker->ok = false;
        // And read() with the shared position lock, into anonymous memory.
        char scratch[64];
        if (read(worker->fd, scratch, sizeof(scratch)) < 0)
            worker->ok = false;
    }
    return nullptr;
}

}

TEST(threads_copy_into_untouched_mappings_of_one_file_at_once)
{
    int fd = make_file('p');
    EXPECT_GE(fd, 0);
    constexpr int kThreads = 4;
    Worker workers[kThreads];
    pthread_t threads[kThreads];
    for (int i = 0; i < kThreads; ++i) {
        workers[i] = { fd, map_file(fd, PROT_READ | PROT_WRITE, MAP_PRIVATE), false };
        EXPECT(workers[i].base != nullptr);
    }
    for (int i = 0; i < kThreads; ++i)
        EXPECT_EQ(pthread_create(&threads[i], nullptr, copy_worker, &workers[i]), 0);
    for (int i = 0; i < kThreads; ++i)
        EXPECT_EQ(pthread_join(threads[i], nullptr), 0);
    for (int i = 0; i < kThreads; ++i) {
        EXPECT(workers[i].ok);
        EXPECT_OK(munmap(workers[i].base, kLength));
    }
    EXPECT(file_holds(fd, 0, kLength, 'p', 0));
    close(fd);
}

int main()
{
    return guest_test::run_tests();
}
