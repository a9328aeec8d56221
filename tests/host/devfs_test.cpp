// /dev (kernel/fs/devfs): the memory devices through the VFS (null, zero,
// full, random, urandom), the devtmpfs instance mounted by type, device
// registration by major/minor (and ENXIO, EBUSY, EEXIST), device nodes
// made with mknod elsewhere, nodev mounts, and the CSPRNG: the ChaCha20
// block function against RFC 8439's test vector, determinism under a
// seeded source, and output that differs between requests.
#include "fs_test_fixture.h"
#include <fs/devfs/csprng.h>
#include <fs/devfs/devfs.h>
#include <fs/devfs/memory_devices.h>
#include <set>

using fs_test::FsTest;

namespace {

u64 s_sample_counter = 0;
bool counting_source(u64& sample)
{
    sample = 0x9e3779b97f4a7c15ull * ++s_sample_counter;
    return true;
}

class DevfsTest : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        s_sample_counter = 0;
        csprng::set_entropy_source(counting_source);
        MUST(devfs::init());
        MUST(make_directory("/dev"));
        MUST(vfs::mount(as_root(), root(), "devtmpfs", "/dev", "devtmpfs", 0, ""));
    }
    void TearDown() override
    {
        csprng::set_entropy_source(nullptr);
        FsTest::TearDown();
    }
    RefPtr<vfs::OpenFile> open(char const* path, u32 flags)
    {
        return vfs::open(as_root(), root(), path, flags, 0).release_value();
    }
    std::string read_n(vfs::OpenFile& file, usize count)
    {
        std::string data(count, 'X');
        KernelIoBuffer buffer(data.data(), count);
        data.resize(file.read(buffer, count).release_value());
        return data;
    }
    ErrorOr<usize> write_n(vfs::OpenFile& file, std::string const& data)
    {
        KernelIoBuffer buffer(static_cast<void const*>(data.data()), data.size());
        return file.write(buffer, data.size());
    }
};

TEST_F(DevfsTest, nodes_have_linux_numbers_and_modes)
{
    struct Expected {
        char const* path;
        u32 minor;
    };
    for (auto [path, minor] : { Expected { "/dev/null", 3 }, { "/dev/zero", 5 }, { "/dev/full", 7 }, { "/dev/random", 8 }, { "/dev/urandom", 9 } }) {
        LinuxStat st = MUST(stat(path));
        EXPECT_EQ(st.mode, static_cast<u32>(S_IFCHR | 0666)) << path;
        EXPECT_EQ(vfs::device_major(st.rdev), 1u) << path;
        EXPECT_EQ(vfs::device_minor(st.rdev), minor) << path;
    }
    EXPECT_EQ(MUST(vfs::statfs(as_root(), root(), "/dev")).type, static_cast<i64>(vfs::kTmpfsMagic));
    EXPECT_TRUE(MUST(lookup("/dev/stdin", vfs::kResolveNoFollow)).inode->is_symlink());
    // The same single instance whatever is mounted where.
    MUST(make_directory("/dev2"));
    MUST(vfs::mount(as_root(), root(), "devtmpfs", "/dev2", "devtmpfs", 0, ""));
    EXPECT_EQ(MUST(stat("/dev2/null")).ino, MUST(stat("/dev/null")).ino);
}

TEST_F(DevfsTest, null_swallows_writes_and_reads_nothing)
{
    auto null = open("/dev/null", O_RDWR);
    EXPECT_EQ(MUST(write_n(*null, "gone")), 4u);
    EXPECT_EQ(read_n(*null, 10), "");
    EXPECT_EQ(MUST(null->seek(100, SEEK_SET)), 0u);
}

TEST_F(DevfsTest, zero_reads_zeros)
{
    auto zero = open("/dev/zero", O_RDWR);
    EXPECT_EQ(read_n(*zero, 5000), std::string(5000, '\0'));
    EXPECT_EQ(MUST(write_n(*zero, "x")), 1u);
    char buffer[8] = "abcdefg";
    KernelIoBuffer in(buffer, sizeof(buffer));
    EXPECT_EQ(MUST(zero->pread(in, 8, 1234)), 8u);
    EXPECT_EQ(std::string(buffer, 8), std::string(8, '\0'));
}

TEST_F(DevfsTest, full_reads_zeros_and_refuses_writes)
{
    auto full = open("/dev/full", O_RDWR);
    EXPECT_EQ(read_n(*full, 3), std::string(3, '\0'));
    EXPECT_ERRNO(write_n(*full, "x"), ENOSPC);
}

TEST_F(DevfsTest, random_devices_give_fresh_bytes)
{
    auto urandom = open("/dev/urandom", O_RDONLY);
    auto random = open("/dev/random", O_RDWR);
    std::string a = read_n(*urandom, 1000);
    std::string b = read_n(*urandom, 1000);
    std::string c = read_n(*random, 1000);
    ASSERT_EQ(a.size(), 1000u);
    EXPECT_NE(a, b);
    EXPECT_NE(b, c);
    // Roughly uniform: every byte value turns up in 3000 bytes.
    std::set<unsigned char> values(a.begin(), a.end());
    values.insert(b.begin(), b.end());
    values.insert(c.begin(), c.end());
    EXPECT_GT(values.size(), 250u);
    // Writing adds entropy and is accepted whole.
    EXPECT_EQ(MUST(write_n(*random, std::string(700, 'e'))), 700u);
}

TEST_F(DevfsTest, registered_devices_get_nodes_and_unregistered_ones_enxio)
{
    class EchoDevice final : public vfs::CharDevice {
    public:
        EchoDevice()
            : CharDevice(240, 7, "test/echo")
        {
        }
        ErrorOr<usize> read(vfs::OpenFile&, IoBuffer& buffer, usize count, u64&) override
        {
            usize length = count < 4 ? count : 4;
            TRY(buffer.write_bytes(0, "echo", length));
            return length;
        }
        ErrorOr<long> ioctl(vfs::OpenFile&, u32 request, u64 argument) override
        {
            return static_cast<long>(request + argument);
        }
    };
    auto device = MUST(try_make_ref_counted<EchoDevice>());
    MUST(devfs::register_device(device, 0620, 0, 5));
    LinuxStat st = MUST(stat("/dev/test/echo"));
    EXPECT_EQ(st.mode, static_cast<u32>(S_IFCHR | 0620));
    EXPECT_EQ(st.gid, 5u);
    EXPECT_EQ(st.rdev, vfs::make_device(240, 7));
    auto echo = open("/dev/test/echo", O_RDONLY);
    EXPECT_EQ(read_n(*echo, 10), "echo");
    EXPECT_EQ(MUST(echo->ioctl(40, 2)), 42);
    // A node made by mknod anywhere reaches the same driver.
    MUST(vfs::mknod(as_root(), root(), "/myecho", S_IFCHR | 0600, vfs::make_device(240, 7)));
    EXPECT_EQ(read_n(*open("/myecho", O_RDONLY), 10), "echo");
    // ... unless its mount says nodev.
    MUST(make_directory("/nodev"));
    MUST(vfs::mount(as_root(), root(), "none", "/nodev", "tmpfs", MS_NODEV, ""));
    MUST(vfs::mknod(as_root(), root(), "/nodev/echo", S_IFCHR | 0600, vfs::make_device(240, 7)));
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/nodev/echo", O_RDONLY, 0), EACCES);
    EXPECT_EQ(MUST(vfs::statfs(as_root(), root(), "/nodev")).flags & vfs::kStatfsNoDev, vfs::kStatfsNoDev);

    auto twin = MUST(try_make_ref_counted<EchoDevice>());
    EXPECT_ERRNO(devfs::register_device(twin, 0600), EBUSY);
    MUST(devfs::unregister_device(vfs::make_device(240, 7)));
    EXPECT_ERRNO(lookup("/dev/test/echo"), ENOENT);
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/myecho", O_RDONLY, 0), ENXIO);
    EXPECT_ERRNO(devfs::unregister_device(vfs::make_device(240, 7)), ENXIO);
    // The open one keeps working: the driver object lives while used.
    EXPECT_EQ(read_n(*echo, 10), "echo");
    // A taken name is EEXIST, and the number is not left registered.
    MUST(vfs::mknod(as_root(), root(), "/dev/test/echo", S_IFCHR | 0600, vfs::make_device(240, 8)));
    EXPECT_ERRNO(devfs::register_device(twin, 0600), EEXIST);
    EXPECT_TRUE(vfs::char_devices().find(vfs::make_device(240, 7)).is_null());
    MUST(vfs::unlink(as_root(), root(), "/dev/test/echo"));
}

TEST_F(DevfsTest, block_devices_have_no_drivers_yet)
{
    MUST(vfs::mknod(as_root(), root(), "/disk", S_IFBLK | 0600, vfs::make_device(8, 0)));
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/disk", O_RDONLY, 0), ENXIO);
}

// ------------------------------------------------------------------ CSPRNG

TEST(Csprng, chacha20_block_matches_rfc8439)
{
    // RFC 8439, section 2.3.2.
    u32 key[8];
    for (int i = 0; i < 8; ++i)
        key[i] = static_cast<u32>(4 * i) | static_cast<u32>(4 * i + 1) << 8 | static_cast<u32>(4 * i + 2) << 16 | static_cast<u32>(4 * i + 3) << 24;
    u32 nonce[3] = { 0x09000000, 0x4a000000, 0x00000000 };
    u8 output[64];
    csprng::chacha20_block(key, 1, nonce, output);
    u8 const expected[64] = {
        0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4,
        0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e,
        0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2,
        0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
    };
    EXPECT_EQ(memcmp(output, expected, 64), 0);
}

TEST(Csprng, same_seed_same_stream_and_never_a_repeat)
{
    auto draw = [](usize length) {
        std::string bytes(length, '\0');
        csprng::get_random_bytes(bytes.data(), length);
        return bytes;
    };
    s_sample_counter = 0;
    csprng::set_entropy_source(counting_source);
    std::string first = draw(100);
    std::string second = draw(5000);
    s_sample_counter = 0;
    csprng::set_entropy_source(counting_source);
    EXPECT_EQ(draw(100), first);
    EXPECT_EQ(draw(5000), second);
    EXPECT_NE(first, second.substr(0, 100));
    // Entropy added changes what follows.
    std::string before_mix = draw(64);
    s_sample_counter = 0;
    csprng::set_entropy_source(counting_source);
    draw(100);
    draw(5000);
    u8 extra[3] = { 1, 2, 3 };
    csprng::add_entropy(extra, sizeof(extra));
    EXPECT_NE(draw(64), before_mix);
    csprng::set_entropy_source(nullptr);
}

}
