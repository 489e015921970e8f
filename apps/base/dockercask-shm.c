/*
 * dockercask-shm: MIT-SHM across the box, by file descriptor.
 *
 * The container has an IPC namespace of its own, so a System V segment made inside cannot be
 * attached by the instance's X server on the host, and dockercask's Xephyr refuses every System
 * V attach anyway (its seccomp filter), since on the host's side an id could name the host's own
 * segments. MIT-SHM 1.2 passes the memory itself instead: a file descriptor over the X socket.
 *
 * Apps (Xlib's XShmAttach, xcb's xcb_shm_attach: x11perf, cairo and so GTK, Firefox, mpv) still
 * ask for System V segments. Loaded through /etc/ld.so.preload, this library makes each private
 * segment (IPC_PRIVATE) a memfd and turns the attach of such a segment into ShmAttachFd. The
 * memory is shared only by the app and its own X server. A segment the library cannot make
 * (more than MAX_SEGMENTS, a named key) stays an ordinary System V one.
 *
 * It acts only when the instance has MIT-SHM by descriptor (DOCKERCASK_MIT_SHM=fd, set by
 * dockercask with the app's `mit-shm` policy); otherwise every call goes straight to libc.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#define MAX_SEGMENTS 256
#define MAX_CONNECTIONS 16
/* Ids of the segments made here: far above the kernel's, which start at 0 in a new namespace. */
#define FIRST_ID 0x7ff00000

struct segment {
  int id;     /* 0: a free slot */
  int fd;     /* the memfd; -1 once removed and no longer attached */
  size_t size;
  int attached;
  int removed;
};

struct mapping {
  void *addr;
  int id;
};

static struct segment segments[MAX_SEGMENTS];
static struct mapping mappings[MAX_SEGMENTS * 4];
static int next_id = FIRST_ID;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* libxcb's types, declared here so the library builds without the X headers. */
typedef struct xcb_connection_t xcb_connection_t;
typedef struct { unsigned int sequence; } xcb_void_cookie_t;
typedef struct { int present_unused; } xcb_extension_t;
typedef struct { uint8_t response_type, pad0; uint16_t sequence; uint32_t length; uint8_t present, major_opcode, first_event, first_error; } xcb_query_extension_reply_t;
typedef struct { unsigned int sequence; } xcb_shm_query_version_cookie_t;
typedef struct { uint8_t response_type, shared_pixmaps; uint16_t sequence; uint32_t length; uint16_t major_version, minor_version; } xcb_shm_query_version_reply_t;

/* Xlib's segment info (X11/extensions/XShm.h). */
typedef struct { unsigned long shmseg; int shmid; char *shmaddr; int readOnly; } XShmSegmentInfo;
typedef struct _XDisplay Display;

static void *real(const char *name) { return dlsym(RTLD_NEXT, name); }

static int enabled(void) {
  static int answer = -1;
  if (answer < 0) {
    const char *value = getenv("DOCKERCASK_MIT_SHM");
    answer = value && strcmp(value, "fd") == 0;
  }
  return answer;
}

static void *xcb_symbol(const char *name) {
  void *symbol = dlsym(RTLD_DEFAULT, name);
  if (!symbol) {
    void *library = dlopen("libxcb-shm.so.0", RTLD_NOW | RTLD_GLOBAL);
    if (library) symbol = dlsym(library, name);
  }
  return symbol;
}

static struct segment *find(int id) {
  for (int i = 0; i < MAX_SEGMENTS; i++)
    if (segments[i].id == id && id != 0) return &segments[i];
  return NULL;
}

static void release(struct segment *segment) {
  if (segment->removed && segment->attached == 0) {
    if (segment->fd >= 0) close(segment->fd);
    memset(segment, 0, sizeof *segment);
  }
}

int shmget(key_t key, size_t size, int flags) {
  static int (*next)(key_t, size_t, int);
  if (!next) next = real("shmget");
  if (key != IPC_PRIVATE || size == 0 || !enabled()) return next(key, size, flags);
  pthread_mutex_lock(&lock);
  struct segment *slot = NULL;
  for (int i = 0; i < MAX_SEGMENTS && !slot; i++)
    if (segments[i].id == 0) slot = &segments[i];
  int fd = slot ? memfd_create("dockercask-shm", MFD_CLOEXEC) : -1;
  if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
    if (fd >= 0) close(fd);
    pthread_mutex_unlock(&lock);
    return next(key, size, flags);
  }
  *slot = (struct segment){.id = next_id++, .fd = fd, .size = size};
  if (next_id <= FIRST_ID) next_id = FIRST_ID;
  int id = slot->id;
  pthread_mutex_unlock(&lock);
  return id;
}

void *shmat(int id, const void *addr, int flags) {
  static void *(*next)(int, const void *, int);
  if (!next) next = real("shmat");
  pthread_mutex_lock(&lock);
  struct segment *segment = find(id);
  if (!segment) {
    pthread_mutex_unlock(&lock);
    return next(id, addr, flags);
  }
  struct mapping *free_mapping = NULL;
  for (size_t i = 0; i < sizeof mappings / sizeof mappings[0] && !free_mapping; i++)
    if (!mappings[i].addr) free_mapping = &mappings[i];
  void *result = (void *)-1;
  if (!free_mapping || segment->fd < 0) {
    errno = free_mapping ? EIDRM : ENOMEM;
  } else {
    int protection = PROT_READ | ((flags & SHM_RDONLY) ? 0 : PROT_WRITE);
    result = mmap((void *)addr, segment->size, protection, MAP_SHARED | (addr ? MAP_FIXED : 0), segment->fd, 0);
    if (result == MAP_FAILED) {
      result = (void *)-1;
    } else {
      *free_mapping = (struct mapping){.addr = result, .id = id};
      segment->attached++;
    }
  }
  pthread_mutex_unlock(&lock);
  return result;
}

int shmdt(const void *addr) {
  static int (*next)(const void *);
  if (!next) next = real("shmdt");
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < sizeof mappings / sizeof mappings[0]; i++) {
    if (mappings[i].addr != addr || !addr) continue;
    struct segment *segment = find(mappings[i].id);
    mappings[i] = (struct mapping){0};
    int result = segment ? munmap((void *)addr, segment->size) : -1;
    if (segment) {
      segment->attached--;
      release(segment);
    }
    pthread_mutex_unlock(&lock);
    return result;
  }
  pthread_mutex_unlock(&lock);
  return next(addr);
}

int shmctl(int id, int command, struct shmid_ds *buffer) {
  static int (*next)(int, int, struct shmid_ds *);
  if (!next) next = real("shmctl");
  pthread_mutex_lock(&lock);
  struct segment *segment = find(id);
  if (!segment) {
    pthread_mutex_unlock(&lock);
    return next(id, command, buffer);
  }
  int result = 0;
  if (command == IPC_RMID) {
    segment->removed = 1;
    release(segment);
  } else if (command == IPC_STAT && buffer) {
    memset(buffer, 0, sizeof *buffer);
    buffer->shm_perm.uid = buffer->shm_perm.cuid = getuid();
    buffer->shm_perm.gid = buffer->shm_perm.cgid = getgid();
    buffer->shm_perm.mode = 0600;
    buffer->shm_segsz = segment->size;
    buffer->shm_nattch = (shmatt_t)segment->attached;
    buffer->shm_cpid = buffer->shm_lpid = getpid();
  } else if (command != IPC_SET) {
    errno = EINVAL;
    result = -1;
  }
  pthread_mutex_unlock(&lock);
  return result;
}

/* Whether this connection's server takes segments by descriptor (MIT-SHM 1.2), asked once. */
static int passes_fds(xcb_connection_t *connection) {
  static struct { xcb_connection_t *connection; int answer; } known[MAX_CONNECTIONS];
  static int count;
  for (int i = 0; i < count; i++)
    if (known[i].connection == connection) return known[i].answer;
  xcb_extension_t *shm_id = xcb_symbol("xcb_shm_id");
  const xcb_query_extension_reply_t *(*extension_data)(xcb_connection_t *, xcb_extension_t *) = xcb_symbol("xcb_get_extension_data");
  xcb_shm_query_version_cookie_t (*query)(xcb_connection_t *) = xcb_symbol("xcb_shm_query_version");
  xcb_shm_query_version_reply_t *(*reply)(xcb_connection_t *, xcb_shm_query_version_cookie_t, void **) = xcb_symbol("xcb_shm_query_version_reply");
  int answer = 0;
  if (shm_id && extension_data && query && reply && xcb_symbol("xcb_shm_attach_fd")) {
    const xcb_query_extension_reply_t *extension = extension_data(connection, shm_id);
    if (extension && extension->present) {
      xcb_shm_query_version_reply_t *version = reply(connection, query(connection), NULL);
      answer = version && (version->major_version > 1 || (version->major_version == 1 && version->minor_version >= 2));
      free(version);
    }
  }
  if (count < MAX_CONNECTIONS) known[count++] = (typeof(known[0])){connection, answer};
  return answer;
}

/* A duplicate of a made segment's memfd, for xcb to send and close; -1 when id is not one. */
static int descriptor_of(int id) {
  pthread_mutex_lock(&lock);
  struct segment *segment = find(id);
  int fd = segment && segment->fd >= 0 ? fcntl(segment->fd, F_DUPFD_CLOEXEC, 0) : -1;
  pthread_mutex_unlock(&lock);
  return fd;
}

static xcb_void_cookie_t attach(const char *name, const char *fd_name, xcb_connection_t *c, uint32_t seg, uint32_t id, uint8_t read_only) {
  int fd = descriptor_of((int)id);
  if (fd >= 0 && passes_fds(c)) {
    xcb_void_cookie_t (*by_fd)(xcb_connection_t *, uint32_t, int32_t, uint8_t) = xcb_symbol(fd_name);
    return by_fd(c, seg, fd, read_only);
  }
  if (fd >= 0) close(fd);
  xcb_void_cookie_t (*next)(xcb_connection_t *, uint32_t, uint32_t, uint8_t) = real(name);
  return next(c, seg, id, read_only);
}

xcb_void_cookie_t xcb_shm_attach(xcb_connection_t *c, uint32_t seg, uint32_t id, uint8_t read_only) {
  return attach("xcb_shm_attach", "xcb_shm_attach_fd", c, seg, id, read_only);
}

xcb_void_cookie_t xcb_shm_attach_checked(xcb_connection_t *c, uint32_t seg, uint32_t id, uint8_t read_only) {
  return attach("xcb_shm_attach_checked", "xcb_shm_attach_fd_checked", c, seg, id, read_only);
}

int XShmAttach(Display *display, XShmSegmentInfo *info) {
  int (*next)(Display *, XShmSegmentInfo *) = real("XShmAttach");
  xcb_connection_t *(*connection_of)(Display *) = dlsym(RTLD_DEFAULT, "XGetXCBConnection");
  if (!connection_of) {
    void *library = dlopen("libX11-xcb.so.1", RTLD_NOW | RTLD_GLOBAL);
    if (library) connection_of = dlsym(library, "XGetXCBConnection");
  }
  uint32_t (*generate_id)(xcb_connection_t *) = xcb_symbol("xcb_generate_id");
  xcb_connection_t *c = connection_of ? connection_of(display) : NULL;
  int fd = descriptor_of(info->shmid);
  if (fd < 0 || !c || !generate_id || !passes_fds(c)) {
    if (fd >= 0) close(fd);
    return next(display, info);
  }
  xcb_void_cookie_t (*by_fd)(xcb_connection_t *, uint32_t, int32_t, uint8_t) = xcb_symbol("xcb_shm_attach_fd");
  info->shmseg = generate_id(c);
  by_fd(c, (uint32_t)info->shmseg, fd, info->readOnly ? 1 : 0);
  return 1;
}
