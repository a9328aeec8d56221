// /dev/null, zero, full, random, urandom (fs/devfs/memory_devices.h).
#include <fs/devfs/csprng.h>
#include <fs/devfs/devfs.h>
#include <fs/devfs/memory_devices.h>
#include <lib/string.h>

namespace devfs {

namespace {

enum class Kind {
    Null,
    Zero,
    Full,
    Random,
};

class MemoryDevice final : public vfs::CharDevice {
public:
    MemoryDevice(u32 minor, StringView name, Kind kind)
        : CharDevice(kMemoryMajor, minor, name)
        , m_kind(kind)
    {
    }

    ErrorOr<usize> read(vfs::OpenFile&, IoBuffer& buffer, usize count, u64&) override
    {
        switch (m_kind) {
        case Kind::Null:
            return usize(0);
        case Kind::Zero:
        case Kind::Full:
            TRY(buffer.write_zeros(0, count));
            return count;
        case Kind::Random:
            return read_random(buffer, count);
        }
        VERIFY_NOT_REACHED();
    }

    ErrorOr<usize> write(vfs::OpenFile&, IoBuffer const& buffer, usize count, u64&) override
    {
        switch (m_kind) {
        case Kind::Null:
        case Kind::Zero:
            return count;
        case Kind::Full:
            return Error::from_errno(ENOSPC);
        case Kind::Random:
            return write_random(buffer, count);
        }
        VERIFY_NOT_REACHED();
    }

    bool is_seekable() const override { return true; }
    ErrorOr<u64> seek(vfs::OpenFile&, u64, i64, int) override { return u64(0); }

private:
    static constexpr usize kChunk = 256;

    static ErrorOr<usize> read_random(IoBuffer& buffer, usize count)
    {
        u8 chunk[kChunk];
        for (usize done = 0; done < count;) {
            usize length = count - done < kChunk ? count - done : kChunk;
            csprng::get_random_bytes(chunk, length);
            auto copied = buffer.write_bytes(done, chunk, length);
            if (copied.is_error()) {
                memset(chunk, 0, sizeof(chunk));
                if (done)
                    return done;
                return copied.error();
            }
            done += length;
        }
        memset(chunk, 0, sizeof(chunk));
        return count;
    }

    static ErrorOr<usize> write_random(IoBuffer const& buffer, usize count)
    {
        u8 chunk[kChunk];
        for (usize done = 0; done < count;) {
            usize length = count - done < kChunk ? count - done : kChunk;
            auto copied = buffer.read_bytes(done, chunk, length);
            if (copied.is_error())
                return done ? ErrorOr<usize>(done) : ErrorOr<usize>(copied.error());
            csprng::add_entropy(chunk, length);
            done += length;
        }
        return count;
    }

    Kind m_kind;
};

struct DeviceSpec {
    u32 minor;
    const char* name;
    Kind kind;
};

constexpr DeviceSpec kDevices[] = {
    { kNullMinor, "null", Kind::Null },
    { kZeroMinor, "zero", Kind::Zero },
    { kFullMinor, "full", Kind::Full },
    { kRandomMinor, "random", Kind::Random },
    { kUrandomMinor, "urandom", Kind::Random },
};

}

ErrorOr<void> register_memory_devices()
{
    for (auto const& spec : kDevices) {
        auto device = TRY(try_make_ref_counted<MemoryDevice>(spec.minor, StringView(spec.name), spec.kind));
        TRY(register_device(std::move(device), 0666));
    }
    return {};
}

}
