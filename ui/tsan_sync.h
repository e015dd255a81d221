#pragma once
// ThreadSanitizer model of Qt's queued calls between our threads (docs/RELIABILITY.md "ThreadSanitizer").
// Everything here compiles to nothing unless the build uses -fsanitize=thread (HOGWILD_SANITIZE=thread).
//
// Why: a queued call, i.e. a Q_EMIT over a Qt::QueuedConnection or QMetaObject::invokeMethod(...,
// Qt::QueuedConnection), IS a happens-before edge: the sender builds a QMetaCallEvent (with Qt's copies of the
// arguments, or the functor), appends it to the receiving thread's post-event list under that list's QMutex, and the
// receiving thread takes it under the same QMutex before it calls the receiver's event(). Debian's Qt is not built
// with -fsanitize=thread and Qt 6's QMutex is a bare futex, so TSan never sees that edge: without this header
// test_engine_runner alone gives ~2,000 reports, every payload of every queued call in both directions.
//
// The model: tsanRelease(channel) on the sending side AFTER the call, tsanAcquire(channel) on the receiving side at
// the start of event(), before it touches the event. The release has to come after the call, not before it: the
// call itself writes, before it posts the event, memory the receiver reads: the QMetaCallEvent, Qt's copies of the
// arguments (their QMetaType copy constructors are instantiated, so instrumented, in our code) and the functor
// moved into its slot object. (Release-before-the-call was tried first: TSan reported the QMetaCallEvent's allocation
// against the receiver's first read of it.) After the call, though, the receiver may already be running it, so the
// sender holds a wait lock across call + release, and the receiver takes the same wait lock around its acquire:
// the receiver can only see the event once it is posted, i.e. inside the sender's critical section, so its acquire
// comes after the sender's release. TSan is told to ignore the wait lock's own synchronisation
// (AnnotateIgnoreSyncBegin/End): it only makes the receiver wait; the edges TSan sees are exactly the
// release/acquire pairs, per channel.
//
// Sound, not merely quiet: every edge is one Qt's own mutex provides — a sender's completed call before the
// receiving thread dispatching an event (that thread locks its post-event list before it dispatches any posted
// event). A channel is one pair of threads (the bridge uses its engine QThread's address), so no edge leaks to a
// third thread, and the receiver's acquire releases nothing back. No access is ignored, nothing is suppressed: a race
// in a slot, in the runner's own state or in a payload still written after it was handed over is still reported.
// One imprecision: the acquire runs in event(), slightly after Qt took the event, so a release made in between (by
// a later call) is acquired a little early. Cost, TSan builds only: a receiver waits for at most one call in flight.
//
// Rules:
//  * sending side: `const TsanHandoff handoff(channel);` on the line before every Q_EMIT of a cross-thread signal and
//    every queued invokeMethod, in a scope that ends right after it (never around a pass or a model load);
//  * receiving side: tsanHandoffReceived(channel) first thing in the receiving QObject's event() override, before
//    even e->type(). One override covers every queued slot, functor and signal delivered to that object, present
//    and future;
//  * joining a QThread: tsanJoinable(thread, channel) before thread.start(), tsanJoined(channel) right after
//    thread.wait(). QThread::wait() on a thread that has already finished returns after a flag check under Qt's
//    (invisible) QMutex, and Qt's threads are detached (no pthread_join), so without this TSan sees nothing order
//    the thread's work before the owner's teardown. tsanJoinable makes the thread's own `finished` signal (emitted
//    on that thread after its event loop returned, before wait() can return) a release; tsanJoined acquires it.
//    What Qt's finish() does after `finished` is Qt's own: packaging/sanitizers/tsan.supp.
// A channel is an address that must stay allocated while it is used: TSan keeps a release in a sync object tied to
// that address and drops it when the memory is freed (a channel on the runner itself lost its last release when
// the runner was deleted at thread end). Calls without a channel use one static default channel.
#if defined(__SANITIZE_THREAD__)  // GCC
#define HOGWILD_TSAN 1
#elif defined(__has_feature)  // clang
#if __has_feature(thread_sanitizer)
#define HOGWILD_TSAN 1
#endif
#endif

#include <QString>
#include <QThread>

#if defined(HOGWILD_TSAN)
#include <mutex>

#include <sanitizer/tsan_interface.h>  // __tsan_acquire, __tsan_release

extern "C" {
// ThreadSanitizer's dynamic annotations (exported by the runtime, no public header).
void AnnotateIgnoreSyncBegin(const char* file, int line);
void AnnotateIgnoreSyncEnd(const char* file, int line);
}
#endif

namespace hogwild::ui {

namespace tsan_detail {
inline const void* defaultChannel() {
  static const char channel = 0;
  return &channel;
}
}  // namespace tsan_detail

#if defined(HOGWILD_TSAN)
inline void tsanRelease(const void* channel) { __tsan_release(const_cast<void*>(channel)); }
inline void tsanAcquire(const void* channel) { __tsan_acquire(const_cast<void*>(channel)); }

namespace tsan_detail {
// Recursive: a guarded emit may reach another one on the same thread (endRun -> setState).
inline std::recursive_mutex& waitMutex() {
  static std::recursive_mutex m;
  return m;
}
inline void waitLock() {
  AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
  waitMutex().lock();
  AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
}
inline void waitUnlock() {
  AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
  waitMutex().unlock();
  AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
}
}  // namespace tsan_detail

class TsanHandoff {
 public:
  explicit TsanHandoff(const void* channel = tsan_detail::defaultChannel()) : channel_(channel) {
    tsan_detail::waitLock();
  }
  ~TsanHandoff() {
    tsanRelease(channel_);  // after the call: Qt's copies, the event and its posting are all before it
    tsan_detail::waitUnlock();
  }
  TsanHandoff(const TsanHandoff&) = delete;
  TsanHandoff& operator=(const TsanHandoff&) = delete;

 private:
  const void* channel_;
};

inline void tsanHandoffReceived(const void* channel = tsan_detail::defaultChannel()) {
  tsan_detail::waitLock();  // waits while a call on any channel is in flight
  tsanAcquire(channel);
  tsan_detail::waitUnlock();
}

inline void tsanJoinable(QThread& thread, const void* channel = tsan_detail::defaultChannel()) {
  // No context object: a direct call on the finishing thread itself.
  QObject::connect(&thread, &QThread::finished, [channel] { tsanRelease(channel); });
}

inline void tsanJoined(const void* channel = tsan_detail::defaultChannel()) { tsanAcquire(channel); }
#else
inline void tsanRelease(const void*) {}
inline void tsanAcquire(const void*) {}

class TsanHandoff {
 public:
  // User-provided, so `const TsanHandoff handoff;` neither errs nor warns as unused.
  explicit TsanHandoff(const void* = nullptr) {}
  ~TsanHandoff() {}
  TsanHandoff(const TsanHandoff&) = delete;
  TsanHandoff& operator=(const TsanHandoff&) = delete;
};

inline void tsanHandoffReceived(const void* = nullptr) {}
inline void tsanJoinable(QThread&, const void* = nullptr) {}
inline void tsanJoined(const void* = nullptr) {}
#endif

// A string to hand to another thread that shares no data with the sender's strings. An implicitly shared copy
// would let the sender's last deref (its local dying after the queued call) race with the receiver's free: the
// handoff orders the call, not what the sender does after it. All builds (it is a plain deep copy).
inline QString unshared(const QString& s) { return QString(s.constData(), s.size()); }

}  // namespace hogwild::ui
