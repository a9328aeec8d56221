// The cpio newc/crc reader (kernel/fs/cpio.cpp): archives written byte by
// byte here, archives written by GNU cpio from a directory the test
// creates, and malformed archives (bad magic, bad digits, bad names,
// truncation at every byte, random corruption) that must give EINVAL and
// never read outside the buffer (ASan watches every read).
#include <fs/cpio.h>
#include <algorithm>
#include <ctype.h>
#include <gtest/gtest.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <stdio.h>
#include <string.h>
#include <string>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <vector>

namespace {

using Bytes = std::vector<u8>;

struct FileSpec {
    std::string name;
    u32 mode;
    std::string data;
    u32 ino = 1;
    u32 uid = 0;
    u32 gid = 0;
    u32 nlink = 1;
    u32 mtime = 0;
    u32 dev_major = 0;
    u32 dev_minor = 0;
    u32 rdev_major = 0;
    u32 rdev_minor = 0;
};

void append(Bytes& out, std::string const& text)
{
    out.insert(out.end(), text.begin(), text.end());
}

void pad_to_4(Bytes& out)
{
    while (out.size() % 4)
        out.push_back(0);
}

std::string hex8(u32 value)
{
    char buffer[9];
    snprintf(buffer, sizeof(buffer), "%08X", value);
    return buffer;
}

u32 byte_sum(std::string const& data)
{
    u32 sum = 0;
    for (unsigned char c : data)
        sum += c;
    return sum;
}

// One entry in newc (or crc) layout, written the way the format describes
// it rather than the way the reader reads it. As GNU cpio does, the crc
// variant sums regular files only.
void append_entry(Bytes& out, FileSpec const& file, bool crc)
{
    append(out, crc ? "070702" : "070701");
    for (u32 field : { file.ino, file.mode, file.uid, file.gid, file.nlink, file.mtime,
             static_cast<u32>(file.data.size()), file.dev_major, file.dev_minor,
             file.rdev_major, file.rdev_minor, static_cast<u32>(file.name.size() + 1),
             crc && (file.mode & 0170000) == 0100000 ? byte_sum(file.data) : 0u })
        append(out, hex8(field));
    append(out, file.name);
    out.push_back(0);
    pad_to_4(out);
    append(out, file.data);
    pad_to_4(out);
}

Bytes build_archive(std::vector<FileSpec> const& files, bool crc = false, bool trailer = true)
{
    Bytes out;
    for (auto const& file : files)
        append_entry(out, file, crc);
    if (trailer)
        append_entry(out, { "TRAILER!!!", 0, "" }, crc);
    return out;
}

std::string name_of(CpioEntry const& entry)
{
    return std::string(entry.name.characters_without_null_termination(), entry.name.length());
}

std::string data_of(CpioEntry const& entry)
{
    return std::string(reinterpret_cast<const char*>(entry.data), entry.size);
}

// Every entry up to the trailer, or the first error.
ErrorOr<std::vector<CpioEntry>> read_all(u8 const* data, usize size)
{
    std::vector<CpioEntry> entries;
    TRY(cpio_for_each_entry(data, size, [&](CpioEntry const& entry) -> ErrorOr<void> {
        entries.push_back(entry);
        return {};
    }));
    return entries;
}

// A copy in a heap block of exactly `size` bytes, so ASan reports a read
// even one byte past the end.
std::unique_ptr<u8[]> exact_copy(u8 const* data, usize size)
{
    std::unique_ptr<u8[]> copy(new u8[size]);
    if (size)
        memcpy(copy.get(), data, size);
    return copy;
}

const std::vector<FileSpec> kSampleFiles = {
    { "bin", 0040755, "", 2, 0, 0, 2, 1700000000 },
    { "bin/hello", 0100755, "Hello, world!\n", 3, 1000, 100, 1, 1700000001, 8, 1 },
    { "bin/sh", 0120777, "hello", 4 },
    { "empty", 0100644, "", 5 },
    { "dev/ttyS0", 0020620, "", 6, 0, 5, 1, 0, 0, 0, 4, 64 },
    { "odd", 0100600, std::string("\x00\x01\x02", 3), 7 },
};

TEST(Cpio, reads_every_field_of_a_hand_built_archive)
{
    Bytes archive = build_archive(kSampleFiles);
    CpioReader reader(archive.data(), archive.size());
    CpioEntry entry;
    for (auto const& file : kSampleFiles) {
        auto more = reader.next(entry);
        ASSERT_FALSE(more.is_error()) << reader.reason();
        ASSERT_TRUE(more.value());
        EXPECT_EQ(name_of(entry), file.name);
        EXPECT_EQ(entry.name.characters_without_null_termination()[entry.name.length()], 0);
        EXPECT_EQ(entry.mode, file.mode);
        EXPECT_EQ(entry.ino, file.ino);
        EXPECT_EQ(entry.uid, file.uid);
        EXPECT_EQ(entry.gid, file.gid);
        EXPECT_EQ(entry.nlink, file.nlink);
        EXPECT_EQ(entry.mtime, file.mtime);
        EXPECT_EQ(entry.size, file.data.size());
        EXPECT_EQ(data_of(entry), file.data);
        EXPECT_EQ(entry.dev_major, file.dev_major);
        EXPECT_EQ(entry.dev_minor, file.dev_minor);
        EXPECT_EQ(entry.rdev_major, file.rdev_major);
        EXPECT_EQ(entry.rdev_minor, file.rdev_minor);
        EXPECT_EQ(entry.check, 0u);
        EXPECT_EQ((entry.data - archive.data()) % 4, 0) << "data starts 4-aligned";
    }
    auto end = reader.next(entry);
    ASSERT_FALSE(end.is_error());
    EXPECT_FALSE(end.value());
    EXPECT_EQ(reader.offset(), archive.size());
    // After the trailer the reader keeps saying "no more".
    auto again = reader.next(entry);
    ASSERT_FALSE(again.is_error());
    EXPECT_FALSE(again.value());
}

TEST(Cpio, file_type_helpers_read_the_mode)
{
    Bytes archive = build_archive(kSampleFiles);
    auto entries = read_all(archive.data(), archive.size());
    ASSERT_FALSE(entries.is_error());
    auto const& e = entries.value();
    ASSERT_EQ(e.size(), kSampleFiles.size());
    EXPECT_TRUE(e[0].is_directory());
    EXPECT_EQ(e[0].permissions(), 0755u);
    EXPECT_TRUE(e[1].is_regular());
    EXPECT_TRUE(e[2].is_symlink());
    EXPECT_EQ(data_of(e[2]), "hello");
    EXPECT_TRUE(e[4].is_device());
    EXPECT_EQ(e[4].type(), CpioEntry::kCharDevice);
    EXPECT_EQ(e[4].permissions(), 0620u);
    EXPECT_FALSE(e[5].is_device());
}

TEST(Cpio, accepts_lowercase_hex_digits)
{
    Bytes archive = build_archive({ { "f", 0100644, "x", 0xabcdef } });
    // Rewrite the header's digits in lowercase.
    for (usize i = 6; i < CpioReader::kHeaderSize; ++i)
        archive[i] = tolower(archive[i]);
    auto entries = read_all(archive.data(), archive.size());
    ASSERT_FALSE(entries.is_error());
    EXPECT_EQ(entries.value().at(0).ino, 0xabcdefu);
}

TEST(Cpio, archive_of_only_a_trailer_is_empty)
{
    Bytes archive = build_archive({});
    EXPECT_EQ(archive.size(), 124u); // 110 + 11 bytes of name, padded to 4
    auto entries = read_all(archive.data(), archive.size());
    ASSERT_FALSE(entries.is_error());
    EXPECT_TRUE(entries.value().empty());
}

TEST(Cpio, bytes_after_the_trailer_are_not_read)
{
    Bytes archive = build_archive(kSampleFiles);
    archive.resize(archive.size() + 512, 0); // cpio's block padding
    append(archive, "garbage that is not an archive");
    auto entries = read_all(archive.data(), archive.size());
    ASSERT_FALSE(entries.is_error());
    EXPECT_EQ(entries.value().size(), kSampleFiles.size());
}

TEST(Cpio, crc_variant_is_accepted_and_its_checksum_checked)
{
    Bytes archive = build_archive(kSampleFiles, true);
    auto entries = read_all(archive.data(), archive.size());
    ASSERT_FALSE(entries.is_error());
    ASSERT_EQ(entries.value().size(), kSampleFiles.size());
    EXPECT_EQ(entries.value()[1].check, byte_sum("Hello, world!\n"));
    EXPECT_EQ(data_of(entries.value()[1]), "Hello, world!\n");
    // A symlink's target is data but carries no sum.
    EXPECT_TRUE(entries.value()[2].is_symlink());
    EXPECT_EQ(entries.value()[2].check, 0u);

    // Flip one data byte: the sum no longer matches.
    Bytes corrupt = archive;
    usize data_at = entries.value()[1].data - archive.data();
    corrupt[data_at] ^= 1;
    CpioReader reader(corrupt.data(), corrupt.size());
    CpioEntry entry;
    ASSERT_TRUE(reader.next(entry).value());
    auto bad = reader.next(entry);
    ASSERT_TRUE(bad.is_error());
    EXPECT_EQ(bad.error().code(), EINVAL);
    EXPECT_NE(reader.reason(), nullptr);
}

TEST(Cpio, newc_check_field_is_not_a_checksum)
{
    // 070701 writers may leave garbage in `check`; only 070702 means a sum.
    Bytes archive = build_archive({ { "f", 0100644, "data" } });
    memcpy(&archive[6 + 12 * 8], "DEADBEEF", 8);
    auto entries = read_all(archive.data(), archive.size());
    ASSERT_FALSE(entries.is_error());
    EXPECT_EQ(entries.value().at(0).check, 0xdeadbeefu);
}

void expect_einval(Bytes const& archive, const char* what)
{
    auto copy = exact_copy(archive.data(), archive.size());
    auto result = read_all(copy.get(), archive.size());
    ASSERT_TRUE(result.is_error()) << what;
    EXPECT_EQ(result.error().code(), EINVAL) << what;
}

TEST(Cpio, bad_magic_is_rejected)
{
    Bytes archive = build_archive(kSampleFiles);
    for (const char* magic : { "070707", "070700", "070703", "170701", "\0\0\0\0\0\0" }) {
        Bytes bad = archive;
        memcpy(bad.data(), magic, 6);
        expect_einval(bad, magic);
    }
    // A bad second header is found too, after the first entry is returned.
    Bytes second = archive;
    usize second_header = 116; // 110 + "bin\0" = 114, padded to 116; no data
    ASSERT_EQ(memcmp(&second[second_header], "070701", 6), 0);
    second[second_header + 5] = '7';
    CpioReader reader(second.data(), second.size());
    CpioEntry entry;
    ASSERT_TRUE(reader.next(entry).value());
    EXPECT_EQ(name_of(entry), "bin");
    EXPECT_TRUE(reader.next(entry).is_error());
    EXPECT_EQ(reader.offset(), second_header);
    // And the reader stays failed.
    EXPECT_TRUE(reader.next(entry).is_error());
}

TEST(Cpio, non_hex_digit_in_any_field_is_rejected)
{
    Bytes archive = build_archive({ { "f", 0100644, "data" } });
    for (usize field = 0; field < 13; ++field) {
        for (char bad : { 'g', 'G', ' ', '-', 'x', '\0' }) {
            Bytes broken = archive;
            broken[6 + field * 8 + 3] = bad;
            expect_einval(broken, ("field " + std::to_string(field)).c_str());
        }
    }
}

TEST(Cpio, names_must_end_in_their_only_nul)
{
    Bytes archive = build_archive({ { "name", 0100644, "" } });
    usize name_size_field = 6 + 11 * 8;

    Bytes no_nul = archive;
    memcpy(&no_nul[name_size_field], "00000004", 8); // "name" without its NUL
    expect_einval(no_nul, "namesize excludes the NUL");

    Bytes inner_nul = archive;
    inner_nul[110 + 2] = 0; // "na\0e\0"
    expect_einval(inner_nul, "NUL inside the name");

    Bytes empty = archive;
    memcpy(&empty[name_size_field], "00000000", 8);
    expect_einval(empty, "namesize 0");
}

TEST(Cpio, sizes_beyond_the_buffer_are_rejected_without_overflow)
{
    Bytes archive = build_archive({ { "f", 0100644, "data" } });
    for (const char* size : { "FFFFFFFF", "FFFFFFFC", "80000000", "00001000" }) {
        Bytes huge_data = archive;
        memcpy(&huge_data[6 + 6 * 8], size, 8);
        expect_einval(huge_data, size);
        Bytes huge_name = archive;
        memcpy(&huge_name[6 + 11 * 8], size, 8);
        expect_einval(huge_name, size);
    }
}

TEST(Cpio, missing_trailer_is_an_error_after_the_entries)
{
    Bytes archive = build_archive(kSampleFiles, false, false);
    CpioReader reader(archive.data(), archive.size());
    CpioEntry entry;
    for (usize i = 0; i < kSampleFiles.size(); ++i)
        ASSERT_TRUE(reader.next(entry).value());
    auto end = reader.next(entry);
    ASSERT_TRUE(end.is_error());
    EXPECT_EQ(end.error().code(), EINVAL);
    EXPECT_NE(reader.reason(), nullptr);

    // Zeros where the trailer should be are not a trailer either.
    archive.resize(archive.size() + 512, 0);
    expect_einval(archive, "zeros instead of a trailer");
    expect_einval({}, "empty buffer");
}

TEST(Cpio, truncation_at_every_byte_is_an_error)
{
    for (bool crc : { false, true }) {
        Bytes archive = build_archive(kSampleFiles, crc);
        ASSERT_FALSE(read_all(archive.data(), archive.size()).is_error());
        for (usize length = 0; length < archive.size(); ++length) {
            auto copy = exact_copy(archive.data(), length);
            auto result = read_all(copy.get(), length);
            ASSERT_TRUE(result.is_error()) << "accepted an archive cut to " << length << " bytes";
            EXPECT_EQ(result.error().code(), EINVAL);
        }
    }
}

TEST(Cpio, random_corruption_never_reads_out_of_bounds)
{
    Bytes archive = build_archive(kSampleFiles);
    std::mt19937 random(42);
    const char alphabet[] = "0123456789ABCDEFabcdef\0TRAILER!!!x";
    for (int round = 0; round < 5000; ++round) {
        Bytes mutated = archive;
        int changes = 1 + random() % 4;
        for (int i = 0; i < changes; ++i) {
            usize at = random() % mutated.size();
            // Mostly plausible characters, so corruption gets past the
            // digit check and into the length handling.
            mutated[at] = random() % 2 ? alphabet[random() % (sizeof(alphabet) - 1)] : random();
        }
        usize length = random() % 3 ? mutated.size() : random() % (mutated.size() + 1);
        auto copy = exact_copy(mutated.data(), length);
        auto result = read_all(copy.get(), length);
        if (!result.is_error()) {
            for (auto const& entry : result.value()) {
                ASSERT_GE(entry.data, copy.get());
                ASSERT_LE(entry.data + entry.size, copy.get() + length);
                ASSERT_EQ(entry.name.characters_without_null_termination()[entry.name.length()], 0);
            }
        }
    }
}

TEST(Cpio, for_each_stops_at_the_first_callback_error)
{
    Bytes archive = build_archive(kSampleFiles);
    int calls = 0;
    auto result = cpio_for_each_entry(archive.data(), archive.size(), [&](CpioEntry const& entry) -> ErrorOr<void> {
        ++calls;
        if (entry.is_symlink())
            return Error::from_errno(ENOSPC);
        return {};
    });
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ENOSPC);
    EXPECT_EQ(calls, 3);
}

TEST(Cpio, find_by_name)
{
    Bytes archive = build_archive(kSampleFiles);
    auto hello = cpio_find(archive.data(), archive.size(), "bin/hello");
    ASSERT_FALSE(hello.is_error());
    EXPECT_EQ(data_of(hello.value()), "Hello, world!\n");
    auto missing = cpio_find(archive.data(), archive.size(), "bin/hell");
    ASSERT_TRUE(missing.is_error());
    EXPECT_EQ(missing.error().code(), ENOENT);

    // The later of two entries with one name wins, as when Linux unpacks.
    auto twice = kSampleFiles;
    twice.push_back({ "empty", 0100644, "now full" });
    Bytes archive2 = build_archive(twice);
    EXPECT_EQ(data_of(cpio_find(archive2.data(), archive2.size(), "empty").value()), "now full");

    // A corrupt archive is an error even if the entry came before the damage.
    Bytes broken = build_archive(kSampleFiles, false, false);
    EXPECT_EQ(cpio_find(broken.data(), broken.size(), "bin").error().code(), EINVAL);
}

// ---- Archives written by GNU cpio ----

class TemporaryTree {
public:
    TemporaryTree()
    {
        char path[] = "/tmp/haneul-cpio-XXXXXX";
        const char* made = mkdtemp(path);
        EXPECT_NE(made, nullptr);
        m_root = made ? made : "";
    }
    ~TemporaryTree()
    {
        if (!m_root.empty())
            std::filesystem::remove_all(m_root);
    }
    std::string const& root() const { return m_root; }
    std::string path(std::string const& name) const { return m_root + "/" + name; }

    void write(std::string const& name, std::string const& data, mode_t mode)
    {
        std::ofstream(path(name), std::ios::binary) << data;
        ASSERT_EQ(chmod(path(name).c_str(), mode), 0);
    }

private:
    std::string m_root;
};

Bytes run_cpio(std::string const& directory, const char* format)
{
    // Sorted so the archive order is fixed; cpio strips the leading "./".
    std::string command = "cd '" + directory + "' && find . | LC_ALL=C sort | cpio --quiet -o -H " + format;
    Bytes out;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe)
        return out;
    u8 buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
        out.insert(out.end(), buffer, buffer + n);
    EXPECT_EQ(pclose(pipe), 0) << command;
    return out;
}

std::string read_file(std::string const& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void check_against_tree(TemporaryTree const& tree, Bytes const& archive, std::vector<std::string> const& expected_names, bool crc)
{
    ASSERT_FALSE(archive.empty());
    EXPECT_EQ(archive.size() % 512, 0u) << "cpio pads to whole blocks";
    auto copy = exact_copy(archive.data(), archive.size());
    auto result = read_all(copy.get(), archive.size());
    ASSERT_FALSE(result.is_error()) << result.error().name();

    std::vector<std::string> names;
    std::map<u32, usize> data_per_inode;
    for (auto const& entry : result.value()) {
        std::string name = name_of(entry);
        names.push_back(name);
        std::string path = tree.path(name);
        struct stat st;
        ASSERT_EQ(lstat(path.c_str(), &st), 0) << path;
        EXPECT_EQ(entry.mode, st.st_mode) << name;
        EXPECT_EQ(entry.uid, st.st_uid) << name;
        EXPECT_EQ(entry.gid, st.st_gid) << name;
        EXPECT_EQ(entry.nlink, st.st_nlink) << name;
        EXPECT_EQ(entry.mtime, static_cast<u32>(st.st_mtime)) << name;
        EXPECT_EQ(entry.ino, static_cast<u32>(st.st_ino)) << name;
        EXPECT_EQ(entry.dev_major, major(st.st_dev)) << name;
        EXPECT_EQ(entry.dev_minor, minor(st.st_dev)) << name;
        if (crc && entry.is_regular()) {
            u32 sum = 0;
            for (usize i = 0; i < entry.size; ++i)
                sum += entry.data[i];
            EXPECT_EQ(entry.check, sum) << name;
        }
        if (S_ISREG(st.st_mode)) {
            EXPECT_TRUE(entry.is_regular()) << name;
            // A hard-linked file's bytes travel once, with its last name.
            if (st.st_nlink > 1) {
                EXPECT_TRUE(entry.size == 0 || entry.size == static_cast<usize>(st.st_size)) << name;
                data_per_inode[entry.ino] += entry.size;
                if (entry.size) {
                    EXPECT_EQ(data_of(entry), read_file(path)) << name;
                }
            } else {
                EXPECT_EQ(entry.size, static_cast<usize>(st.st_size)) << name;
                EXPECT_EQ(data_of(entry), read_file(path)) << name;
            }
        } else if (S_ISDIR(st.st_mode)) {
            EXPECT_TRUE(entry.is_directory()) << name;
            EXPECT_EQ(entry.size, 0u) << name;
        } else if (S_ISLNK(st.st_mode)) {
            EXPECT_TRUE(entry.is_symlink()) << name;
            EXPECT_EQ(data_of(entry), std::filesystem::read_symlink(path).string()) << name;
        } else if (S_ISFIFO(st.st_mode)) {
            EXPECT_EQ(entry.type(), CpioEntry::kFifo) << name;
            EXPECT_EQ(entry.size, 0u) << name;
        }
    }
    // GNU cpio holds back every name of a hard-linked file and writes them
    // together when it meets the last one, so compare the names as a set.
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, expected_names);
    for (auto const& [inode, bytes] : data_per_inode)
        EXPECT_GT(bytes, 0u) << "hard-linked inode " << inode << " lost its data";
}

TEST(Cpio, reads_archives_written_by_gnu_cpio)
{
    TemporaryTree tree;
    ASSERT_FALSE(tree.root().empty());
    tree.write("hello.txt", "Hello from the initramfs\n", 0644);
    tree.write("empty", "", 0600);
    tree.write("script.sh", "#!/bin/sh\necho hi\n", 0751);
    ASSERT_TRUE(std::filesystem::create_directory(tree.path("dir")));
    ASSERT_EQ(chmod(tree.path("dir").c_str(), 0750), 0);
    std::string binary;
    std::mt19937 random(7);
    for (int i = 0; i < 5001; ++i) // not a multiple of 4: the data needs padding
        binary.push_back(static_cast<char>(random()));
    tree.write("dir/blob.bin", binary, 0640);
    ASSERT_TRUE(std::filesystem::create_directory(tree.path("dir/sub")));
    std::filesystem::create_symlink("hello.txt", tree.path("link"));
    std::filesystem::create_symlink("../hello.txt", tree.path("dir/uplink"));
    std::filesystem::create_hard_link(tree.path("hello.txt"), tree.path("dir/hard"));
    ASSERT_EQ(mkfifo(tree.path("fifo").c_str(), 0644), 0);

    std::vector<std::string> expected = {
        ".", "dir", "dir/blob.bin", "dir/hard", "dir/sub", "dir/uplink",
        "empty", "fifo", "hello.txt", "link", "script.sh",
    };

    {
        SCOPED_TRACE("newc");
        Bytes archive = run_cpio(tree.root(), "newc");
        ASSERT_EQ(memcmp(archive.data(), "070701", 6), 0);
        check_against_tree(tree, archive, expected, false);

        auto blob = cpio_find(archive.data(), archive.size(), "dir/blob.bin");
        ASSERT_FALSE(blob.is_error());
        EXPECT_EQ(data_of(blob.value()), binary);
        EXPECT_EQ(blob.value().permissions(), 0640u);
        auto script = cpio_find(archive.data(), archive.size(), "script.sh");
        ASSERT_FALSE(script.is_error());
        EXPECT_EQ(script.value().mode, 0100751u);
        auto link = cpio_find(archive.data(), archive.size(), "link");
        ASSERT_FALSE(link.is_error());
        EXPECT_EQ(link.value().mode & CpioEntry::kTypeMask, CpioEntry::kSymlink);
        EXPECT_EQ(data_of(link.value()), "hello.txt");
        auto dir = cpio_find(archive.data(), archive.size(), "dir");
        ASSERT_FALSE(dir.is_error());
        EXPECT_EQ(dir.value().mode, 040750u);
    }
    {
        SCOPED_TRACE("crc");
        Bytes archive = run_cpio(tree.root(), "crc");
        ASSERT_EQ(memcmp(archive.data(), "070702", 6), 0);
        check_against_tree(tree, archive, expected, true);
    }
}

TEST(Cpio, gnu_cpio_archive_cut_anywhere_before_the_trailer_is_an_error)
{
    TemporaryTree tree;
    ASSERT_FALSE(tree.root().empty());
    tree.write("a", "abc", 0644);
    ASSERT_TRUE(std::filesystem::create_directory(tree.path("d")));
    std::filesystem::create_symlink("a", tree.path("d/l"));
    Bytes archive = run_cpio(tree.root(), "newc");
    ASSERT_FALSE(read_all(archive.data(), archive.size()).is_error());

    // Where the trailer's padded name ends is where the archive really ends.
    CpioReader reader(archive.data(), archive.size());
    CpioEntry entry;
    while (reader.next(entry).value()) { }
    usize end = reader.offset();
    ASSERT_LT(end, archive.size());
    for (usize length = 0; length < end; ++length) {
        auto copy = exact_copy(archive.data(), length);
        ASSERT_TRUE(read_all(copy.get(), length).is_error()) << length;
    }
    for (usize length = end; length <= archive.size(); ++length) {
        auto copy = exact_copy(archive.data(), length);
        ASSERT_FALSE(read_all(copy.get(), length).is_error()) << length;
    }
}

}
