/*
 * The infometis executable's launcher: this program, then a gzip'd tar payload (a jlink'd Java runtime, the Quarkus
 * app, an AOT cache and launch.args), then a 128-byte trailer naming the payload's offset, length and SHA-256.
 *
 * On start it looks for <base>/<sha256>/ (base: $INFOMETIS_RUNTIME_DIR, else /var/lib/infometis/runtime for root,
 * else $XDG_CACHE_HOME/infometis/runtime or ~/.cache/infometis/runtime). Missing, it unpacks the payload into
 * <base>/.tmp-<pid>, checks the digest of what it read, and renames the directory into place: the rename is atomic,
 * so a directory named by the digest is always complete, and of two launchers racing the loser drops its copy and
 * uses the winner's. Every path step is opened without following symlinks planted by anyone but root or this user,
 * and the base must belong to this user and be writable by nobody else. Then it execv()s the runtime's java, so the
 * program keeps this process's pid, streams, signals and exit code. Design notes: docs/executable.md.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#include "sha256.h"

#define TRAILER_SIZE 128
#define MAGIC "INFOMETIS-EXE-1"
#define MAX_ARGS 256

static void remove_tree(int dirfd, const char *name);
/* The unpack directory of this launcher, removed when it dies half-way. */
static int cleanup_fd = -1;
static char cleanup_name[64];

static void die(const char *next, const char *fmt, ...) {
    va_list ap;
    if (cleanup_fd >= 0) remove_tree(cleanup_fd, cleanup_name);
    fputs("ERROR: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " \xe2\x80\x94 %s\n", next);
    exit(1);
}

/* ---- the trailer: "INFOMETIS-EXE-1\0" + 20-digit offset + 20-digit length + 64 hex digest + 8 spaces */
struct trailer {
    uint64_t offset, length, size;
    char digest[65];
};

static uint64_t digits(const char *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') die("rebuild the executable (./mvnw package)", "this executable's trailer is damaged");
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    return v;
}

static void read_trailer(int fd, struct trailer *t) {
    char buf[TRAILER_SIZE];
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < TRAILER_SIZE ||
        pread(fd, buf, TRAILER_SIZE, st.st_size - TRAILER_SIZE) != TRAILER_SIZE || memcmp(buf, MAGIC, sizeof MAGIC) != 0) {
        die("copy the whole file again: it must end with the payload written by ./mvnw package",
            "this executable carries no payload (truncated copy?)");
    }
    t->offset = digits(buf + 16, 20);
    t->length = digits(buf + 36, 20);
    memcpy(t->digest, buf + 56, 64);
    t->digest[64] = 0;
    for (int i = 0; i < 64; i++) {
        if (!strchr("0123456789abcdef", t->digest[i])) die("rebuild the executable (./mvnw package)", "this executable's trailer is damaged");
    }
    t->size = (uint64_t)st.st_size;
}

/* Checked only when the payload is needed: the ISO carries the launcher and trailer alone, with the runtime
 * unpacked at build time (iso/build-iso.sh). */
static void need_payload(const struct trailer *t) {
    if (t->offset + t->length + TRAILER_SIZE != t->size) {
        die("copy the whole file again", "this executable is %llu bytes, its trailer expects %llu (truncated copy?)",
            (unsigned long long)t->size, (unsigned long long)(t->offset + t->length + TRAILER_SIZE));
    }
}

/* ---- the base directory, walked from / one step at a time */
static int trusted_owner(uid_t uid) { return uid == 0 || uid == geteuid(); }

/* Opens (creating with 0700 where missing) every directory of an absolute path. A step may be a symlink only if root
 * or this user owns it; every directory must belong to root or this user and be writable by no one else unless
 * sticky (/tmp); the last one must belong to this user and be writable by no one else. */
static int open_base(const char *path) {
    if (path[0] != '/') die("set INFOMETIS_RUNTIME_DIR to an absolute path", "the runtime directory %s is not absolute", path);
    char copy[PATH_MAX];
    if (strlen(path) >= sizeof copy) die("set INFOMETIS_RUNTIME_DIR to a shorter path", "the runtime directory path is too long");
    strcpy(copy, path);
    int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char *save = NULL;
    char *step = strtok_r(copy, "/", &save);
    while (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) != 0) break;
        int last = step == NULL;
        if (!trusted_owner(st.st_uid) || (last && st.st_uid != geteuid())) {
            die("use a directory of your own: set INFOMETIS_RUNTIME_DIR", "%s: a step of the runtime directory %s belongs to uid %d",
                path, last ? "itself" : "path", (int)st.st_uid);
        }
        if ((st.st_mode & 022) && (last || !(st.st_mode & S_ISVTX))) {
            die("chmod go-w it, or set INFOMETIS_RUNTIME_DIR to a directory only you can write",
                "the runtime directory %s (or a directory above it) is writable by other users", path);
        }
        if (last) return fd;
        if (strcmp(step, "..") == 0) die("set INFOMETIS_RUNTIME_DIR without '..'", "the runtime directory %s contains '..'", path);
        int next = openat(fd, step, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT) {
            if (mkdirat(fd, step, 0700) != 0 && errno != EEXIST) {
                die("set INFOMETIS_RUNTIME_DIR to a directory you can write", "cannot create the runtime directory %s: %s", path, strerror(errno));
            }
            next = openat(fd, step, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (next < 0 && (errno == ELOOP || errno == ENOTDIR)) {
            struct stat lst;
            if (fstatat(fd, step, &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode)) {
                if (!trusted_owner(lst.st_uid)) {
                    die("remove it, or set INFOMETIS_RUNTIME_DIR", "%s: '%s' on the runtime directory's path is a symlink owned by uid %d",
                        path, step, (int)lst.st_uid);
                }
                next = openat(fd, step, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            }
        }
        if (next < 0) die("set INFOMETIS_RUNTIME_DIR to a directory you can write", "cannot open the runtime directory %s: %s", path, strerror(errno));
        close(fd);
        fd = next;
        step = strtok_r(NULL, "/", &save);
    }
    die("set INFOMETIS_RUNTIME_DIR to a directory you can write", "cannot open the runtime directory %s: %s", path, strerror(errno));
    return -1;
}

static void base_path(char *out, size_t n) {
    const char *env = getenv("INFOMETIS_RUNTIME_DIR");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int len;
    if (env && *env) {
        len = snprintf(out, n, "%s", env);
    } else if (geteuid() == 0) {
        len = snprintf(out, n, "/var/lib/infometis/runtime");
    } else if (xdg && xdg[0] == '/') {
        len = snprintf(out, n, "%s/infometis/runtime", xdg);
    } else if (home && home[0] == '/') {
        len = snprintf(out, n, "%s/.cache/infometis/runtime", home);
    } else {
        die("set INFOMETIS_RUNTIME_DIR (or HOME)", "no HOME to unpack the runtime under");
        return;
    }
    if (len < 0 || (size_t)len >= n) die("set INFOMETIS_RUNTIME_DIR to a shorter path", "the runtime directory path is too long");
    while (len > 1 && out[len - 1] == '/') out[--len] = 0;
}

/* ---- removing a directory tree below dirfd, never following symlinks */
static void remove_tree(int dirfd, const char *name) {
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        DIR *d = fdopendir(fd);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            if (unlinkat(fd, e->d_name, 0) != 0 && (errno == EISDIR || errno == EPERM)) remove_tree(fd, e->d_name);
        }
        if (d) closedir(d); else close(fd);
    }
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Leftovers of launchers killed while unpacking: .tmp-<pid> whose process is gone. */
static void remove_stale(int basefd) {
    int fd = openat(basefd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, ".tmp-", 5) != 0) continue;
        long pid = strtol(e->d_name + 5, NULL, 10);
        if (pid <= 0 || pid == getpid() || (kill((pid_t)pid, 0) != 0 && errno == ESRCH)) remove_tree(basefd, e->d_name);
    }
    if (d) closedir(d);
}

/* ---- the payload: gzip'd ustar, hashed as it is read */
struct payload {
    int fd;
    uint64_t pos, end;
    z_stream z;
    sha256_ctx sha;
    unsigned char in[1 << 16];
    int ended;
};

static const char *BROKEN = "copy the executable again; it is damaged";

static void fill(struct payload *p, unsigned char *out, size_t n) {
    p->z.next_out = out;
    p->z.avail_out = (uInt)n;
    while (p->z.avail_out > 0) {
        if (p->z.avail_in == 0) {
            uint64_t left = p->end - p->pos;
            if (left == 0) die(BROKEN, "the payload ends early");
            size_t want = left < sizeof p->in ? (size_t)left : sizeof p->in;
            ssize_t got = pread(p->fd, p->in, want, (off_t)p->pos);
            if (got <= 0) die(BROKEN, "reading the payload: %s", got < 0 ? strerror(errno) : "short read");
            sha256_update(&p->sha, p->in, (size_t)got);
            p->pos += (uint64_t)got;
            p->z.next_in = p->in;
            p->z.avail_in = (uInt)got;
        }
        int rc = inflate(&p->z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            p->ended = 1;
            if (p->z.avail_out > 0) die(BROKEN, "the payload ends early");
        } else if (rc != Z_OK) {
            die(BROKEN, "the payload does not decompress (%s)", p->z.msg ? p->z.msg : "zlib error");
        }
    }
}

static uint64_t octal(const char *f, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n && f[i] && f[i] != ' '; i++) {
        if (f[i] < '0' || f[i] > '7') die(BROKEN, "a payload header is damaged");
        v = v * 8 + (uint64_t)(f[i] - '0');
    }
    return v;
}

/* A payload member's name: relative, no '..', no empty steps. */
static void entry_name(const unsigned char *h, char *out, size_t n) {
    char name[101] = {0}, prefix[156] = {0};
    memcpy(name, h, 100);
    memcpy(prefix, h + 345, 155);
    int len = prefix[0] ? snprintf(out, n, "%s/%s", prefix, name) : snprintf(out, n, "%s", name);
    if (len <= 0 || (size_t)len >= n) die(BROKEN, "a payload name is too long");
    while (len > 0 && out[len - 1] == '/') out[--len] = 0;
    if (out[0] == '/' || strcmp(out, "..") == 0 || strncmp(out, "../", 3) == 0 || strstr(out, "/../") ||
        (len >= 3 && strcmp(out + len - 3, "/..") == 0)) {
        die(BROKEN, "the payload names a path outside its directory: %s", out);
    }
    if (strncmp(out, "./", 2) == 0) memmove(out, out + 2, strlen(out + 2) + 1);
}

static void unpack(int basefd, const char *tmp, int self, const struct trailer *t) {
    static struct payload p;
    memset(&p.z, 0, sizeof p.z);
    p.fd = self;
    p.pos = t->offset;
    p.end = t->offset + t->length;
    p.ended = 0;
    sha256_init(&p.sha);
    if (inflateInit2(&p.z, 16 + MAX_WBITS) != Z_OK) die(BROKEN, "zlib would not start");
    static unsigned char buf[1 << 16];
    unsigned char h[512];
    char rel[PATH_MAX], path[PATH_MAX];
    int zeros = 0;
    while (zeros < 2) {
        fill(&p, h, 512);
        int empty = 1;
        for (int i = 0; i < 512; i++) empty &= h[i] == 0;
        if (empty) { zeros++; continue; }
        zeros = 0;
        if (memcmp(h + 257, "ustar", 5) != 0) die(BROKEN, "the payload is not a ustar archive");
        uint64_t sum = 0;
        for (int i = 0; i < 512; i++) sum += (i >= 148 && i < 156) ? ' ' : h[i];
        if (sum != octal((const char *)h + 148, 8)) die(BROKEN, "a payload header's checksum is wrong");
        entry_name(h, rel, sizeof rel);
        if (snprintf(path, sizeof path, "%s/%s", tmp, rel) >= (int)sizeof path) die(BROKEN, "a payload name is too long");
        mode_t mode = (mode_t)(octal((const char *)h + 100, 8) & 0755);
        uint64_t size = octal((const char *)h + 124, 12);
        struct timespec times[2] = {{(time_t)octal((const char *)h + 136, 12), 0}, {0, 0}};
        times[1] = times[0];
        char type = (char)h[156];
        if (type == '5') {
            if (rel[0] && mkdirat(basefd, path, 0700) != 0 && errno != EEXIST) die("check the disk", "creating %s: %s", path, strerror(errno));
            continue;
        }
        if (type != '0' && type != 0) die(BROKEN, "the payload holds an entry of type '%c' (only files and directories belong there)", type);
        int out = openat(basefd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode | 0200);
        if (out < 0) die("check the disk", "creating %s: %s", path, strerror(errno));
        for (uint64_t left = size; left > 0;) {
            size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
            fill(&p, buf, n);
            for (size_t done = 0; done < n;) {
                ssize_t w = write(out, buf + done, n - done);
                if (w < 0) die("free some space, or set INFOMETIS_RUNTIME_DIR to another disk", "writing %s: %s", path, strerror(errno));
                done += (size_t)w;
            }
            left -= n;
        }
        if (size % 512) fill(&p, buf, 512 - size % 512);
        // The AOT cache and CDS check the jars' modification times: keep the build's.
        if (fchmod(out, mode) != 0 || futimens(out, times) != 0 || close(out) != 0) die("check the disk", "finishing %s: %s", path, strerror(errno));
    }
    // The rest of the stream (tar's padding), so the whole payload is hashed and must decompress.
    while (!p.ended) fill(&p, buf, 1);
    if (p.pos != p.end || p.z.avail_in != 0) die(BROKEN, "the payload has trailing bytes");
    inflateEnd(&p.z);
    char hex[65];
    sha256_final_hex(&p.sha, hex);
    if (strcmp(hex, t->digest) != 0) die(BROKEN, "the payload's sha256 is %s, the executable expects %s", hex, t->digest);
}

/* ---- exec */
static int usable(int basefd, const char *digest) {
    int fd = openat(basefd, digest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 0;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
        die("remove it, or set INFOMETIS_RUNTIME_DIR", "the unpacked runtime %s is not this user's or is writable by others", digest);
    }
    close(fd);
    return 1;
}

static void run(const char *dir, const char *self, int argc, char **argv) {
    static char *args[MAX_ARGS + 8];
    static char lines[1 << 14];
    char java[PATH_MAX + 32], file[PATH_MAX + 32];
    int n = 0;
    snprintf(java, sizeof java, "%s/bin/java", dir);
    snprintf(file, sizeof file, "%s/launch.args", dir);
    args[n++] = java;
    FILE *f = fopen(file, "re");
    if (!f) die("remove the directory so it is unpacked again", "%s: %s", file, strerror(errno));
    size_t len = fread(lines, 1, sizeof lines - 1, f);
    fclose(f);
    lines[len] = 0;
    // One JVM argument a line; @DIR@ stands for the unpacked directory, @SELF@ for this executable. A line starting
    // "[install] " applies only to `install`, "[!install] " only to every other command (each has its own cache).
    // "[short] " applies to every run but those that change the host (install, upgrade, rollback, unless --dry-run),
    // which last minutes, hash every byte of a bundle and serve HTTP meanwhile.
    int install = argc > 1 && strcmp(argv[1], "install") == 0;
    int changes = argc > 1 && (install || strcmp(argv[1], "upgrade") == 0 || strcmp(argv[1], "rollback") == 0);
    for (int i = 2; changes && i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0) changes = 0;
    }
    for (char *save = NULL, *line = strtok_r(lines, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *at;
        if (strncmp(line, "[install] ", 10) == 0) {
            if (!install) continue;
            line += 10;
        } else if (strncmp(line, "[!install] ", 11) == 0) {
            if (install) continue;
            line += 11;
        } else if (strncmp(line, "[short] ", 8) == 0) {
            if (changes) continue;
            line += 8;
        }
        const char *key = NULL, *value = NULL;
        if ((at = strstr(line, "@DIR@"))) key = "@DIR@", value = dir;
        else if ((at = strstr(line, "@SELF@"))) key = "@SELF@", value = self;
        if (key) {
            size_t size = strlen(line) - strlen(key) + strlen(value) + 1;
            char *s = malloc(size);
            if (!s) die("free some memory", "out of memory");
            snprintf(s, size, "%.*s%s%s", (int)(at - line), line, value, at + strlen(key));
            line = s;
        }
        if (n >= MAX_ARGS) die("rebuild the executable", "too many launch arguments");
        args[n++] = line;
    }
    // Extra JVM options for the operator (e.g. -Xmx): whitespace-separated, before the program's arguments.
    char *extra = getenv("INFOMETIS_JAVA_OPTS");
    if (extra && *extra) {
        extra = strdup(extra);
        for (char *save = NULL, *tok = strtok_r(extra, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
            if (n >= MAX_ARGS) die("pass fewer INFOMETIS_JAVA_OPTS", "too many JVM options");
            args[n++] = tok;
        }
    }
    if (n + 2 + argc > MAX_ARGS + 8) die("pass fewer arguments", "too many arguments");
    snprintf(file, sizeof file, "%s/app/infometis.jar", dir);
    args[n++] = "-jar";
    args[n++] = strdup(file);
    for (int i = 1; i < argc; i++) args[n++] = argv[i];
    args[n] = NULL;
    execv(java, args);
    die("remove the directory so it is unpacked again", "cannot run %s: %s", java, strerror(errno));
}

int main(int argc, char **argv) {
    char self[PATH_MAX], base[PATH_MAX], dir[PATH_MAX], tmp[64];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) die("mount /proc", "cannot find this executable through /proc/self/exe");
    self[len] = 0;
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("make the file readable (chmod +r)", "cannot read this executable: %s", strerror(errno));
    struct trailer t;
    read_trailer(fd, &t);
    base_path(base, sizeof base);
    mode_t umask_before = umask(077);
    int basefd = open_base(base);
    if (snprintf(dir, sizeof dir, "%s/%s", base, t.digest) >= (int)sizeof dir) die("set INFOMETIS_RUNTIME_DIR to a shorter path", "path too long");
    if (!usable(basefd, t.digest)) {
        need_payload(&t);
        remove_stale(basefd);
        snprintf(tmp, sizeof tmp, ".tmp-%ld", (long)getpid());
        if (mkdirat(basefd, tmp, 0700) != 0) die("set INFOMETIS_RUNTIME_DIR to a directory you can write", "creating %s/%s: %s", base, tmp, strerror(errno));
        cleanup_fd = basefd;
        strcpy(cleanup_name, tmp);
        unpack(basefd, tmp, fd, &t);
        syncfs(basefd);
        // Atomic: the digest-named directory appears whole. If another launcher won the race, use its copy.
        if (renameat(basefd, tmp, basefd, t.digest) != 0) {
            int err = errno;
            remove_tree(basefd, tmp);
            cleanup_fd = -1;
            if ((err != EEXIST && err != ENOTEMPTY) || !usable(basefd, t.digest)) {
                die("set INFOMETIS_RUNTIME_DIR to a directory you can write", "moving the runtime into %s: %s", dir, strerror(err));
            }
        }
    }
    cleanup_fd = -1;
    close(fd);
    close(basefd);
    umask(umask_before);   // the program's own files get the operator's umask
    run(dir, self, argc, argv);
    return 1;
}
