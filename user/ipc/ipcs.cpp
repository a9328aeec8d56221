// ipcs and ipcrm (CONCEPTS F1, F6, F7): list and remove System V IPC
// objects. Debian's busybox-static is built without its ipcs/ipcrm
// applets, so Haneul ships these: one program, which acts by the name it
// is run as (/usr/bin/ipcrm is a link to /usr/bin/ipcs), the way busybox
// does.
//
//   ipcs [-a | -m | -q | -s]      the tables, in util-linux's layout, read
//                                 from /proc/sysvipc/{shm,msg,sem}
//   ipcrm [-m|-q|-s ID]... [-M|-Q|-S KEY]...
//                                 IPC_RMID by identifier or by key
//
// Errors go to stderr with the object named, and the exit status is 1, as
// util-linux's tools do. C headers only: linked with musl like /sbin/init.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

namespace {

// The user name of `uid` from /etc/passwd, or its number.
void owner_name(unsigned uid, char* out, size_t size)
{
    snprintf(out, size, "%u", uid);
    FILE* passwd = fopen("/etc/passwd", "r");
    if (!passwd)
        return;
    char line[256];
    while (fgets(line, sizeof(line), passwd)) {
        char* name = strtok(line, ":");
        strtok(nullptr, ":"); // password
        char* id = strtok(nullptr, ":");
        if (name && id && static_cast<unsigned>(atoi(id)) == uid) {
            snprintf(out, size, "%s", name);
            break;
        }
    }
    fclose(passwd);
}

// Calls `row(fields, count)` for each line of /proc/sysvipc/`kind` after
// its header, split into numbers. False if the table cannot be read.
template<typename Row>
bool for_each_row(const char* kind, Row row)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/sysvipc/%s", kind);
    FILE* table = fopen(path, "r");
    if (!table) {
        fprintf(stderr, "ipcs: %s: %s\n", path, strerror(errno));
        return false;
    }
    char line[512];
    bool header = true;
    while (fgets(line, sizeof(line), table)) {
        if (header) {
            header = false;
            continue;
        }
        long long fields[20];
        int count = 0;
        char* cursor = line;
        while (count < 20) {
            char* end = nullptr;
            long long value = strtoll(cursor, &end, 10);
            if (end == cursor)
                break;
            fields[count++] = value;
            cursor = end;
        }
        row(fields, count);
    }
    fclose(table);
    return true;
}

bool show_messages()
{
    printf("\n------ Message Queues --------\n");
    printf("%-10s %-10s %-10s %-10s %-12s %-12s\n", "key", "msqid", "owner", "perms", "used-bytes", "messages");
    // key msqid perms cbytes qnum lspid lrpid uid gid ...
    return for_each_row("msg", [](long long const* f, int n) {
        if (n < 8)
            return;
        char owner[32];
        owner_name(static_cast<unsigned>(f[7]), owner, sizeof(owner));
        printf("0x%08x %-10lld %-10s %-10llo %-12lld %-12lld\n", static_cast<unsigned>(f[0]), f[1], owner, f[2], f[3], f[4]);
    });
}

bool show_shared_memory()
{
    printf("\n------ Shared Memory Segments --------\n");
    printf("%-10s %-10s %-10s %-10s %-10s %-10s %-12s\n", "key", "shmid", "owner", "perms", "bytes", "nattch", "status");
    // key shmid perms size cpid lpid nattch uid gid ...; perms carries
    // SHM_DEST (01000) and SHM_LOCKED (02000) above the mode bits.
    return for_each_row("shm", [](long long const* f, int n) {
        if (n < 8)
            return;
        char owner[32];
        owner_name(static_cast<unsigned>(f[7]), owner, sizeof(owner));
        char status[24] = "";
        if (f[2] & 01000)
            strcat(status, "dest ");
        if (f[2] & 02000)
            strcat(status, "locked ");
        printf("0x%08x %-10lld %-10s %-10llo %-10lld %-10lld %-12s\n", static_cast<unsigned>(f[0]), f[1], owner,
            f[2] & 0777, f[3], f[6], status);
    });
}

bool show_semaphores()
{
    printf("\n------ Semaphore Arrays --------\n");
    printf("%-10s %-10s %-10s %-10s %-10s\n", "key", "semid", "owner", "perms", "nsems");
    // key semid perms nsems uid gid ...
    return for_each_row("sem", [](long long const* f, int n) {
        if (n < 5)
            return;
        char owner[32];
        owner_name(static_cast<unsigned>(f[4]), owner, sizeof(owner));
        printf("0x%08x %-10lld %-10s %-10llo %-10lld\n", static_cast<unsigned>(f[0]), f[1], owner, f[2], f[3]);
    });
}

int ipcs(int argc, char** argv)
{
    bool messages = false, shared = false, semaphores = false;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "-q"))
            messages = true;
        else if (!strcmp(argv[i], "-m"))
            shared = true;
        else if (!strcmp(argv[i], "-s"))
            semaphores = true;
        else if (!strcmp(argv[i], "-a"))
            messages = shared = semaphores = true;
        else {
            fprintf(stderr, "ipcs: unknown option '%s'\nusage: ipcs [-a | -m | -q | -s]\n", argv[i]);
            return 1;
        }
    }
    if (!messages && !shared && !semaphores)
        messages = shared = semaphores = true;
    bool ok = true;
    if (messages)
        ok = show_messages() && ok;
    if (shared)
        ok = show_shared_memory() && ok;
    if (semaphores)
        ok = show_semaphores() && ok;
    printf("\n");
    return ok ? 0 : 1;
}

// A number as ipcrm takes it: decimal, or hex with 0x for keys.
bool parse_number(const char* text, long long& value)
{
    char* end = nullptr;
    errno = 0;
    value = strtoll(text, &end, 0);
    return errno == 0 && end != text && *end == 0;
}

bool remove_one(char kind, long long id)
{
    int result = -1;
    const char* what = "";
    switch (kind) {
    case 'm':
        result = shmctl(static_cast<int>(id), IPC_RMID, nullptr);
        what = "shmid";
        break;
    case 'q':
        result = msgctl(static_cast<int>(id), IPC_RMID, nullptr);
        what = "msqid";
        break;
    default:
        result = semctl(static_cast<int>(id), 0, IPC_RMID);
        what = "semid";
        break;
    }
    if (result != 0) {
        fprintf(stderr, "ipcrm: %s %lld: %s\n", what, id, strerror(errno));
        return false;
    }
    return true;
}

int ipcrm(int argc, char** argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ipcrm [-m|-q|-s ID]... [-M|-Q|-S KEY]...\n");
        return 1;
    }
    bool ok = true;
    for (int i = 1; i < argc; ++i) {
        const char* option = argv[i];
        if (strlen(option) != 2 || option[0] != '-' || !strchr("mqsMQS", option[1]) || i + 1 >= argc) {
            fprintf(stderr, "ipcrm: bad argument '%s'\nusage: ipcrm [-m|-q|-s ID]... [-M|-Q|-S KEY]...\n", option);
            return 1;
        }
        long long value = 0;
        if (!parse_number(argv[++i], value)) {
            fprintf(stderr, "ipcrm: '%s' is not a number\n", argv[i]);
            return 1;
        }
        char kind = option[1];
        if (kind >= 'A' && kind <= 'Z') {
            // By key: find the identifier first.
            kind = static_cast<char>(kind - 'A' + 'a');
            key_t key = static_cast<key_t>(value);
            int id = kind == 'm' ? shmget(key, 0, 0) : kind == 'q' ? msgget(key, 0) : semget(key, 0, 0);
            if (key == IPC_PRIVATE || id < 0) {
                fprintf(stderr, "ipcrm: key 0x%08x: %s\n", static_cast<unsigned>(key), strerror(key == IPC_PRIVATE ? EINVAL : errno));
                ok = false;
                continue;
            }
            value = id;
        }
        ok = remove_one(kind, value) && ok;
    }
    return ok ? 0 : 1;
}

}

int main(int argc, char** argv)
{
    const char* name = strrchr(argv[0], '/');
    name = name ? name + 1 : argv[0];
    if (!strcmp(name, "ipcrm"))
        return ipcrm(argc, argv);
    return ipcs(argc, argv);
}
