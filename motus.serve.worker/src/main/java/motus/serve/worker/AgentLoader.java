package motus.serve.worker;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.TurnResult;

/** Resolves an {@link AgentReference} to a {@link ServableAgent}, inside the worker process. */
final class AgentLoader {

    private AgentLoader() {
    }

    static ServableAgent load(AgentReference ref, List<Path> modulePath, List<Path> classPath) throws AgentLoadException {
        AgentCode code = AgentCode.load(modulePath, classPath, ref.module());
        Class<?> type = findClass(code, ref);
        return ref.member() == null ? instantiate(type) : fromMember(type, ref.member());
    }

    private static Class<?> findClass(AgentCode code, AgentReference ref) throws AgentLoadException {
        try {
            return code.findClass(ref);
        } catch (ClassNotFoundException e) {
            throw new AgentLoadException("no class " + ref.className() + " on the module path or class path");
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            throw new AgentLoadException("class " + ref.className() + " failed to initialise: " + describe(e));
        }
    }

    private static ServableAgent instantiate(Class<?> type) throws AgentLoadException {
        if (!ServableAgent.class.isAssignableFrom(type)) {
            throw new AgentLoadException(type.getName() + " does not implement motus.serve.api.ServableAgent"
                    + " (name a static member with Class:member to use a field, factory or turn function)");
        }
        try {
            return (ServableAgent) type.getConstructor().newInstance();
        } catch (NoSuchMethodException e) {
            throw new AgentLoadException(type.getName() + " has no public no-argument constructor");
        } catch (IllegalAccessException e) {
            throw new AgentLoadException(notAccessible(type, e));
        } catch (InvocationTargetException e) {
            throw new AgentLoadException("creating " + type.getName() + " failed: " + describe(e.getCause()));
        } catch (ReflectiveOperationException e) {
            throw new AgentLoadException("cannot create " + type.getName() + ": " + describe(e));
        }
    }

    private static ServableAgent fromMember(Class<?> type, String member) throws AgentLoadException {
        String where = type.getName() + "." + member;
        try {
            Field field = publicStatic(type.getField(member));
            if (field != null) {
                if (!ServableAgent.class.isAssignableFrom(field.getType())) {
                    throw new AgentLoadException("field " + where + " is a " + field.getType().getName()
                            + ", not a motus.serve.api.ServableAgent");
                }
                return nonNull((ServableAgent) field.get(null), "field " + where);
            }
        } catch (NoSuchFieldException e) {
            // not a field; try the methods
        } catch (IllegalAccessException e) {
            throw new AgentLoadException(notAccessible(type, e));
        }
        try {
            Method factory = publicStatic(type.getMethod(member));
            if (factory != null && ServableAgent.class.isAssignableFrom(factory.getReturnType())) {
                return nonNull((ServableAgent) factory.invoke(null), "method " + where + "()");
            }
        } catch (NoSuchMethodException e) {
            // not a factory; try a turn function
        } catch (IllegalAccessException e) {
            throw new AgentLoadException(notAccessible(type, e));
        } catch (InvocationTargetException e) {
            throw new AgentLoadException("calling " + where + "() failed: " + describe(e.getCause()));
        }
        try {
            Method function = publicStatic(type.getMethod(member, ChatMessage.class, List.class));
            if (function != null && TurnResult.class.isAssignableFrom(function.getReturnType())) {
                return turnFunction(function);
            }
        } catch (NoSuchMethodException e) {
            // nothing matched
        }
        throw new AgentLoadException(type.getName() + " has no public static field '" + member
                + "' holding a ServableAgent, no public static method " + member + "() returning one, and no public"
                + " static method " + member + "(ChatMessage, List<ChatMessage>) returning TurnResult");
    }

    private static ServableAgent turnFunction(Method function) {
        return (message, state) -> {
            try {
                return (TurnResult) function.invoke(null, message, state);
            } catch (InvocationTargetException e) {
                // Report the agent's own exception, not the reflection wrapper.
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw (Error) e.getCause();
            }
        };
    }

    private static <T extends java.lang.reflect.Member> T publicStatic(T member) {
        return Modifier.isStatic(member.getModifiers()) ? member : null;
    }

    private static ServableAgent nonNull(ServableAgent agent, String what) throws AgentLoadException {
        if (agent == null) {
            throw new AgentLoadException(what + " is null");
        }
        return agent;
    }

    private static String notAccessible(Class<?> type, IllegalAccessException e) {
        Module module = type.getModule();
        if (module.isNamed() && !module.isExported(type.getPackageName())) {
            return "module " + module.getName() + " does not export package " + type.getPackageName()
                    + " (add 'exports " + type.getPackageName() + ";' to its module-info.java)";
        }
        return type.getName() + " is not accessible: " + e.getMessage();
    }

    /**
     * A failure in one line, its causes included: {@code IllegalStateException: quota exceeded
     * (caused by ConnectException: Connection refused)}. A missing class says what to do.
     */
    static String describe(Throwable t) {
        String last = oneThrowable(t);
        StringBuilder line = new StringBuilder(last);
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.add(t);
        Throwable named = t; // the last one the line shows
        for (Throwable cause = t.getCause(); cause != null && seen.add(cause); cause = cause.getCause()) {
            String text = oneThrowable(cause);
            // Nothing new: a cause that only wraps its own, one the line's last message already names, a repeat.
            if (!isWrapper(cause) && !cause.toString().equals(named.getMessage()) && !text.equals(last)) {
                line.append(" (caused by ").append(text).append(')');
                last = text;
                named = cause;
            }
        }
        if (t instanceof NoClassDefFoundError || t.getCause() instanceof ClassNotFoundException) {
            line.append(": a class the agent needs is not on its path; add the jar that holds it to"
                    + " --module-path or --class-path");
        }
        return line.toString();
    }

    /** A cause that only wraps its own cause ({@code new UncheckedIOException(e)}) adds nothing to the line. */
    private static boolean isWrapper(Throwable t) {
        return t.getCause() != null && t.getCause().toString().equals(t.getMessage());
    }

    private static String oneThrowable(Throwable t) {
        String message = t.getMessage();
        String name = t.getClass().getSimpleName();
        return message == null || message.isBlank() ? name : name + ": " + message;
    }
}
