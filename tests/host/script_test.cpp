// The #! line parser (kernel/proc/script.cpp): Linux binfmt_script's rules
// case by case (spaces and tabs, '\r', NULs, the 256-byte buffer, lines
// without a newline, missing interpreters), the rewritten argv, and the
// same lines run through the host's Linux kernel with the exec probe as
// interpreter, whose printed argv must be the one script_build_argv()
// makes. Inputs are exact-size heap copies so ASan sees any read past them.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <proc/script.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

std::string probe_path(const char* name) { return std::string(HANEUL_EXEC_PROBE_DIR) + "/" + name; }

struct Parsed {
    int error = 0;
    std::string path;
    bool has_argument = false;
    std::string argument;
};

Parsed parse(std::string const& text)
{
    // An exact-size copy: a read past the end is an ASan report.
    std::vector<u8> bytes(text.begin(), text.end());
    auto* data = new u8[bytes.size() ? bytes.size() : 1];
    std::copy(bytes.begin(), bytes.end(), data);
    Parsed parsed;
    auto result = script_parse(data, bytes.size());
    if (result.is_error()) {
        parsed.error = result.error().code();
    } else {
        auto const& script = result.value();
        parsed.path.assign(script.path.characters_without_null_termination(), script.path.length());
        parsed.has_argument = script.has_argument;
        parsed.argument.assign(script.argument.characters_without_null_termination(), script.argument.length());
    }
    delete[] data;
    return parsed;
}

std::string bytes(const char* text, size_t size) { return std::string(text, size); }

TEST(Script, interpreter_alone)
{
    auto parsed = parse("#!/bin/sh\necho hi\n");
    EXPECT_EQ(parsed.error, 0);
    EXPECT_EQ(parsed.path, "/bin/sh");
    EXPECT_FALSE(parsed.has_argument);
}

TEST(Script, argument_is_the_rest_of_the_line_trimmed_with_inner_spaces_kept)
{
    auto parsed = parse("#! \t/usr/bin/env   -S  awk -f \t \nBEGIN{}\n");
    EXPECT_EQ(parsed.path, "/usr/bin/env");
    EXPECT_TRUE(parsed.has_argument);
    EXPECT_EQ(parsed.argument, "-S  awk -f");
}

TEST(Script, tab_separates_like_space)
{
    auto parsed = parse("#!/bin/sh\t\t-x\n");
    EXPECT_EQ(parsed.path, "/bin/sh");
    EXPECT_EQ(parsed.argument, "-x");
}

TEST(Script, carriage_return_is_not_trimmed)
{
    EXPECT_EQ(parse("#!/bin/sh\r\n").path, "/bin/sh\r");
    auto parsed = parse("#!/bin/sh -e\r\n");
    EXPECT_EQ(parsed.path, "/bin/sh");
    EXPECT_EQ(parsed.argument, "-e\r");
}

TEST(Script, file_without_newline)
{
    auto parsed = parse("#!/bin/sh");
    EXPECT_EQ(parsed.error, 0);
    EXPECT_EQ(parsed.path, "/bin/sh");
    EXPECT_FALSE(parsed.has_argument);
    parsed = parse("#!/bin/sh -x");
    EXPECT_EQ(parsed.path, "/bin/sh");
    EXPECT_EQ(parsed.argument, "-x");
}

TEST(Script, nul_ends_the_path_and_drops_the_argument)
{
    auto parsed = parse(bytes("#!/bin/sh\0-q\n", 13));
    EXPECT_EQ(parsed.path, "/bin/sh");
    EXPECT_FALSE(parsed.has_argument);
}

TEST(Script, nul_cuts_the_argument)
{
    auto parsed = parse(bytes("#!/bin/sh -a\0b\n", 15));
    EXPECT_EQ(parsed.argument, "-a");
}

TEST(Script, argument_can_be_present_and_empty)
{
    auto parsed = parse(bytes("#!/bin/sh \0\n", 12));
    EXPECT_EQ(parsed.path, "/bin/sh");
    EXPECT_TRUE(parsed.has_argument);
    EXPECT_EQ(parsed.argument, "");
}

TEST(Script, missing_interpreter_is_enoexec)
{
    EXPECT_EQ(parse("#!\n").error, ENOEXEC);
    EXPECT_EQ(parse("#!    \t \n/bin/sh\n").error, ENOEXEC);
    EXPECT_EQ(parse("#!" + std::string(300, ' ')).error, ENOEXEC);
}

TEST(Script, empty_path_is_eacces_as_linux_reports_it)
{
    EXPECT_EQ(parse("#!").error, EACCES);
    EXPECT_EQ(parse(bytes("#!\0/bin/sh\n", 11)).error, EACCES);
    EXPECT_EQ(parse(bytes("#! \0", 4)).error, EACCES);
}

TEST(Script, not_a_script_is_enoexec)
{
    EXPECT_EQ(parse("").error, ENOEXEC);
    EXPECT_EQ(parse("#").error, ENOEXEC);
    EXPECT_EQ(parse("!#/bin/sh\n").error, ENOEXEC);
    EXPECT_EQ(parse(" #!/bin/sh\n").error, ENOEXEC);
    EXPECT_EQ(parse("\x7f" "ELF").error, ENOEXEC);
    EXPECT_FALSE(script_has_shebang(reinterpret_cast<u8 const*>("#"), 1));
    EXPECT_TRUE(script_has_shebang(reinterpret_cast<u8 const*>("#!"), 2));
}

TEST(Script, newline_is_looked_for_in_the_first_256_bytes_only)
{
    // "#!" + 253-byte path + '\n' at index 255: found.
    std::string path = "/" + std::string(252, 'p');
    auto parsed = parse("#!" + path + "\n");
    EXPECT_EQ(parsed.error, 0);
    EXPECT_EQ(parsed.path, path);
    // One byte longer: the newline is at 256, the path has no end in the
    // first 255 bytes, and the line is refused as cut off.
    EXPECT_EQ(parse("#!" + path + "p\n").error, ENOEXEC);
    EXPECT_EQ(parse("#!/" + std::string(300, 'p')).error, ENOEXEC);
}

TEST(Script, long_argument_is_cut_at_byte_255)
{
    std::string head = "#!/bin/sh ";
    auto parsed = parse(head + std::string(300, 'A') + "\n");
    EXPECT_EQ(parsed.error, 0);
    EXPECT_EQ(parsed.path, "/bin/sh");
    EXPECT_EQ(parsed.argument, std::string(255 - head.size(), 'A'));
    // Trailing blanks up to the cut are trimmed, and then there is no argument.
    parsed = parse("#!/bin/sh" + std::string(300, ' ') + "x");
    EXPECT_EQ(parsed.path, "/bin/sh");
    EXPECT_FALSE(parsed.has_argument);
}

TEST(Script, no_read_past_short_inputs)
{
    std::string line = "#!/usr/bin/interpreter --flag value\n";
    for (size_t size = 0; size <= line.size(); ++size) {
        auto parsed = parse(line.substr(0, size));
        EXPECT_EQ(parsed.error, size < 2 ? ENOEXEC : size == 2 ? EACCES : 0) << size;
    }
}

std::vector<std::string> build(std::string const& text, std::string const& script_path, std::vector<std::string> const& argv)
{
    std::vector<u8> data(text.begin(), text.end());
    auto script = script_parse(data.data(), data.size());
    EXPECT_FALSE(script.is_error());
    if (script.is_error())
        return {};
    std::vector<StringView> views;
    for (auto const& arg : argv)
        views.emplace_back(arg.data(), arg.size());
    std::vector<StringView> out(script_argv_count(script.value(), views.size()));
    auto count = script_build_argv(script.value(), StringView(script_path.data(), script_path.size()), views.data(), views.size(),
        out.data(), out.size());
    EXPECT_FALSE(count.is_error());
    std::vector<std::string> result;
    for (size_t i = 0; i < count.value(); ++i)
        result.emplace_back(out[i].characters_without_null_termination(), out[i].length());
    return result;
}

TEST(Script, argv_is_interpreter_argument_script_then_the_rest)
{
    EXPECT_EQ(build("#!/bin/sh -e\n", "./run.sh", { "run", "one", "two" }),
        (std::vector<std::string> { "/bin/sh", "-e", "./run.sh", "one", "two" }));
    EXPECT_EQ(build("#!/bin/sh\n", "/tmp/s", { "whatever" }), (std::vector<std::string> { "/bin/sh", "/tmp/s" }));
    // An empty argv has no argv[0] to drop.
    EXPECT_EQ(build("#!/bin/sh\n", "/tmp/s", {}), (std::vector<std::string> { "/bin/sh", "/tmp/s" }));
    EXPECT_EQ(build(std::string("#!/bin/sh \0\n", 12), "s", { "s", "x" }), (std::vector<std::string> { "/bin/sh", "", "s", "x" }));
}

TEST(Script, argv_too_small_is_e2big)
{
    std::string text = "#!/bin/sh -e\n";
    auto script = script_parse(reinterpret_cast<u8 const*>(text.data()), text.size());
    ASSERT_FALSE(script.is_error());
    StringView argv[] = { "a", "b" };
    StringView out[3];
    EXPECT_EQ(script_argv_count(script.value(), 2), 4u);
    auto result = script_build_argv(script.value(), "s", argv, 2, out, 3);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), E2BIG);
}

// Runs `path` with `argv` on the host kernel; the probe's "argv=" lines,
// or the execve errno.
struct NativeRun {
    int exec_errno = 0;
    std::vector<std::string> argv;
};

NativeRun run_native(std::string const& path, std::vector<std::string> const& argv)
{
    int pipe_fds[2];
    EXPECT_EQ(pipe(pipe_fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipe_fds[1], 1);
        close(pipe_fds[0]);
        std::vector<char*> args;
        for (auto const& arg : argv)
            args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        char* env[] = { nullptr };
        execve(path.c_str(), args.data(), env);
        dprintf(1, "errno=%d\n", errno);
        _exit(127);
    }
    close(pipe_fds[1]);
    std::string output;
    char buffer[4096];
    ssize_t n;
    while ((n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0)
        output.append(buffer, n);
    close(pipe_fds[0]);
    int status;
    waitpid(pid, &status, 0);
    NativeRun run;
    size_t at = 0;
    while (at < output.size()) {
        size_t end = output.find('\n', at);
        if (end == std::string::npos)
            end = output.size();
        std::string line = output.substr(at, end - at);
        if (line.rfind("argv=", 0) == 0)
            run.argv.push_back(line.substr(5));
        if (line.rfind("errno=", 0) == 0)
            run.exec_errno = std::stoi(line.substr(6));
        at = end + 1;
    }
    return run;
}

class ScriptOnLinux : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_probe = probe_path("glibc-static");
        if (access(m_probe.c_str(), X_OK) != 0)
            FAIL() << m_probe << " was not built (tests/host/sources/exec.cmake; tools/deps.sh installs the compilers)";
        char dir[] = "/tmp/haneul-script-XXXXXX";
        ASSERT_NE(mkdtemp(dir), nullptr);
        m_dir = dir;
    }
    void TearDown() override
    {
        for (auto const& file : m_files)
            unlink(file.c_str());
        if (!m_dir.empty())
            rmdir(m_dir.c_str());
    }
    std::string write_script(std::string const& name, std::string const& content)
    {
        std::string path = m_dir + "/" + name;
        int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0755);
        EXPECT_GE(fd, 0);
        EXPECT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
        close(fd);
        m_files.push_back(path);
        return path;
    }

    std::string m_probe;
    std::string m_dir;
    std::vector<std::string> m_files;
};

TEST_F(ScriptOnLinux, linux_runs_the_argv_we_build)
{
    std::vector<std::string> lines = {
        "#!" + m_probe + "\n",
        "#!" + m_probe + " -x\n",
        "#! \t" + m_probe + "   -x  y z \t \nrest\n",
        "#!" + m_probe + "\t-c\r\n",
        "#!" + m_probe,
        "#!" + m_probe + std::string(" \0\n", 3),
        "#!" + m_probe + std::string(" -a\0b\n", 6),
        "#!" + m_probe + " " + std::string(300, 'A') + "\n",
        "#!" + m_probe + std::string(300, ' ') + "x",
    };
    for (size_t i = 0; i < lines.size(); ++i) {
        std::string path = write_script("s" + std::to_string(i), lines[i]);
        std::vector<std::string> argv = { "zero", "one", "two words" };
        auto linux_run = run_native(path, argv);
        ASSERT_EQ(linux_run.exec_errno, 0) << "line " << i;
        EXPECT_EQ(build(lines[i], path, argv), linux_run.argv) << "line " << i;
    }
}

TEST_F(ScriptOnLinux, linux_refuses_what_we_refuse)
{
    std::vector<std::pair<std::string, int>> lines = {
        { "#!\n", ENOEXEC },
        { "#!   \t\n", ENOEXEC },
        { "#!/" + std::string(300, 'p'), ENOEXEC },
        { "#!", EACCES },
        { std::string("#!\0/bin/sh\n", 11), EACCES },
    };
    for (size_t i = 0; i < lines.size(); ++i) {
        auto const& [line, error] = lines[i];
        std::string path = write_script("bad" + std::to_string(i), line);
        EXPECT_EQ(run_native(path, { "x" }).exec_errno, error) << "line " << i;
        EXPECT_EQ(parse(line).error, error) << "line " << i;
    }
}

TEST_F(ScriptOnLinux, linux_allows_exactly_max_depth_rewrites)
{
    std::string interpreter = m_probe;
    for (unsigned depth = 1; depth <= kMaxScriptDepth + 1; ++depth) {
        interpreter = write_script("d" + std::to_string(depth), "#!" + interpreter + "\n");
        auto run = run_native(interpreter, { "x" });
        if (depth <= kMaxScriptDepth) {
            EXPECT_EQ(run.exec_errno, 0) << depth;
            EXPECT_EQ(run.argv.size(), depth + 1) << depth;
        } else {
            EXPECT_EQ(run.exec_errno, ELOOP) << depth;
        }
    }
}

}
