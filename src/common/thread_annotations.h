// Clang's thread-safety annotations, as LevelDB's port/thread_annotations.h spells them: they
// state which mutex guards which member and which functions must be called with it held, and
// `clang -Wthread-safety` checks every access. Other compilers see nothing.
#pragma once

#if defined(__clang__)
#define FAASLAB_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define FAASLAB_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) FAASLAB_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY FAASLAB_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) FAASLAB_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) FAASLAB_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) FAASLAB_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) FAASLAB_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) FAASLAB_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) FAASLAB_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) FAASLAB_THREAD_ANNOTATION(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS FAASLAB_THREAD_ANNOTATION(no_thread_safety_analysis)
