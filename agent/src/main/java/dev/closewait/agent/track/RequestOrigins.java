package dev.closewait.agent.track;

/**
 * Who asked for a connection that a library opens on a thread of its own. A library's entry point
 * on the application's thread starts a request ({@link #started}): the caller's stack is captured,
 * for the request's object (OkHttp's {@code RealCall}, the JDK HttpClient's {@code MultiExchange})
 * and for the thread until {@link #ended}. A channel made meanwhile ({@link #channelCreated}, as
 * Netty's {@code Bootstrap.connect} makes one) carries the stack to the event loop that connects
 * it; a library thread acting for a request ({@link #actingFor}) carries it to the sockets it
 * opens. Weakly held: a request never keeps the library's objects alive.
 */
final class RequestOrigins {

    private final WeakIdentityMap<Origin> byObject = new WeakIdentityMap<>();
    private final ThreadLocal<Scope> current = new ThreadLocal<>();

    /** The caller's stack, and the thread it was taken on (by id: a map never keeps a thread). */
    private static final class Origin {
        final Throwable stack;
        final long thread;

        Origin(Throwable stack, long thread) {
            this.stack = stack;
            this.thread = thread;
        }
    }

    /** A request, or a library thread's work for one, on this thread. */
    private static final class Scope {
        final Scope outer;
        final Origin origin;

        Scope(Scope outer, Origin origin) {
            this.outer = outer;
            this.origin = origin;
        }
    }

    /** A request starts on this thread for {@code request} ({@code null}: for whatever it makes). */
    void started(Object request) {
        Scope outer = current.get();
        Origin origin = outer != null && outer.origin != null ? outer.origin
                : new Origin(new Throwable(), Thread.currentThread().getId());
        if (request != null) {
            byObject.put(request, origin);
        }
        current.set(new Scope(outer, origin));
    }

    /**
     * This thread acts for {@code work}: a request started earlier, maybe on another thread, or an
     * object of the library's that holds one (OkHttp's {@code ConnectPlan}: its {@code call}, or
     * before 5.3 its {@code user}'s {@code call}).
     */
    void actingFor(Object work) {
        Origin origin = null;
        Object request = work;
        for (int hop = 0; request != null; hop++) {
            origin = byObject.get(request);
            if (origin != null || hop == 2) {
                break;
            }
            request = heldRequest(request);
        }
        current.set(new Scope(current.get(), origin));
    }

    /** The request object {@code work} holds in a field named {@code call} or {@code user}, or {@code null}. */
    private static Object heldRequest(Object work) {
        java.util.Optional<java.lang.reflect.Field> field = REQUEST_FIELD.get(work.getClass());
        if (field.isEmpty()) {
            return null;
        }
        try {
            return field.get().get(work);
        } catch (ReflectiveOperationException | RuntimeException inaccessible) {
            return null;
        }
    }

    /**
     * A class's field named {@code call} or {@code user} (its own or a super class's), made
     * accessible, looked up once per class: a lookup that finds nothing throws for every class it
     * tries, which cost each request over a pooled connection several microseconds.
     */
    private static final ClassValue<java.util.Optional<java.lang.reflect.Field>> REQUEST_FIELD =
            new ClassValue<java.util.Optional<java.lang.reflect.Field>>() {
                @Override
                protected java.util.Optional<java.lang.reflect.Field> computeValue(Class<?> of) {
                    for (String name : new String[] {"call", "user"}) {
                        for (Class<?> type = of; type != null && type != Object.class; type = type.getSuperclass()) {
                            try {
                                java.lang.reflect.Field field = type.getDeclaredField(name);
                                field.setAccessible(true);
                                return java.util.Optional.of(field);
                            } catch (NoSuchFieldException notHere) {
                                // a super class may declare it
                            } catch (RuntimeException inaccessible) {
                                return java.util.Optional.empty();
                            }
                        }
                    }
                    return java.util.Optional.empty();
                }
            };

    /** The innermost {@link #started} or {@link #actingFor} of this thread ended. */
    void ended() {
        Scope scope = current.get();
        if (scope != null) {
            if (scope.outer == null) {
                current.remove();
            } else {
                current.set(scope.outer);
            }
        }
    }

    /** A channel was made on this thread: inside a request, it carries the request's stack. */
    void channelCreated(Object channel) {
        Scope scope = current.get();
        if (scope != null && scope.origin != null) {
            byObject.put(channel, scope.origin);
        }
    }

    /**
     * The stack of the request {@code socket} was opened for, when this is not the thread that
     * made the request (there the socket's own stack says who asked); else {@code null}.
     */
    Throwable originOf(Object socket) {
        Origin origin = byObject.remove(socket);
        if (origin == null) {
            Scope scope = current.get();
            origin = scope == null ? null : scope.origin;
        }
        return origin == null || origin.thread == Thread.currentThread().getId() ? null : origin.stack;
    }
}
