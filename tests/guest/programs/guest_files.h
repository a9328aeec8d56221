// Scratch files for the guest test programs: a fresh directory under /tmp
// per test (removed with everything in it when the test ends, pass or
// fail), small file helpers, and a guard that restores the working
// directory.
//
//   guest_files::Scratch dir("file");       // /tmp/gt_file_XXXXXX
//   EXPECT(guest_files::write_file(dir / "a", "text"));
#pragma once

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace guest_files {

// Removes `path` and, if it is a directory, everything below it (without
// following symlinks).
inline void remove_tree(std::string const& path)
{
    struct stat st;
    if (lstat(path.c_str(), &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path.c_str());
        return;
    }
    chmod(path.c_str(), 0700);
    if (DIR* dir = opendir(path.c_str())) {
        while (dirent* entry = readdir(dir)) {
            if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
                remove_tree(path + "/" + entry->d_name);
        }
        closedir(dir);
    }
    rmdir(path.c_str());
}

class Scratch {
public:
    explicit Scratch(const char* program)
    {
        std::string pattern = std::string("/tmp/gt_") + program + "_XXXXXX";
        char buffer[PATH_MAX];
        snprintf(buffer, sizeof(buffer), "%s", pattern.c_str());
        if (mkdtemp(buffer))
            m_path = buffer;
    }
    ~Scratch()
    {
        if (!m_path.empty())
            remove_tree(m_path);
    }
    Scratch(Scratch const&) = delete;
    Scratch& operator=(Scratch const&) = delete;

    bool ok() const { return !m_path.empty(); }
    std::string const& path() const { return m_path; }
    const char* c_str() const { return m_path.c_str(); }
    std::string operator/(std::string_view name) const { return m_path + "/" + std::string(name); }

private:
    std::string m_path;
};

inline bool write_file(std::string const& path, std::string_view content, mode_t mode = 0644)
{
    int fd = open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, mode);
    if (fd < 0)
        return false;
    bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    return close(fd) == 0 && ok;
}

// The whole file, or "<error>" when it cannot be read.
inline std::string read_file(std::string const& path)
{
    int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0)
        return "<error>";
    std::string content;
    char buffer[4096];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof(buffer))) > 0)
        content.append(buffer, n);
    close(fd);
    return n < 0 ? "<error>" : content;
}

// Puts the working directory back when the test ends.
class CwdGuard {
public:
    CwdGuard()
    {
        if (!getcwd(m_saved, sizeof(m_saved)))
            m_saved[0] = 0;
    }
    ~CwdGuard()
    {
        if (m_saved[0] && chdir(m_saved) != 0)
            chdir("/");
    }

private:
    char m_saved[PATH_MAX];
};

}
