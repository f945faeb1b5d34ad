package dev.closewait.agent.track;

import java.lang.reflect.Method;

/**
 * What a driver's own configuration object says of a connect: MariaDB Connector/J's
 * {@code Configuration}, which its DataSource hands to the driver's static {@code connect} (no URL
 * and {@code Properties} there). Read through its getters {@code initialUrl()}, {@code user()} and
 * {@code password()}; each is {@code null} where the object has no such getter or it fails.
 */
final class DriverConfiguration {

    private static final String[] GETTERS = {"initialUrl", "user", "password"};

    /** The getters of a configuration class, found once per class (kept by the class itself). */
    private static final ClassValue<Method[]> METHODS = new ClassValue<Method[]>() {
        @Override
        protected Method[] computeValue(Class<?> type) {
            Method[] methods = new Method[GETTERS.length];
            for (int i = 0; i < GETTERS.length; i++) {
                methods[i] = getter(type, GETTERS[i]);
            }
            return methods;
        }
    };

    final String url;
    final String user;
    final String password;

    private DriverConfiguration(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    static DriverConfiguration of(Object configuration) {
        Method[] methods = METHODS.get(configuration.getClass());
        return new DriverConfiguration(call(methods[0], configuration), call(methods[1], configuration),
                call(methods[2], configuration));
    }

    private static Method getter(Class<?> type, String name) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                Method method = c.getDeclaredMethod(name);
                if (method.getReturnType() != String.class) {
                    return null;
                }
                method.setAccessible(true); // initialUrl() is protected
                return method;
            } catch (NoSuchMethodException notHere) {
                // its super class may declare it
            } catch (RuntimeException | LinkageError inaccessible) {
                return null; // a named module that does not open its package
            }
        }
        return null;
    }

    private static String call(Method getter, Object target) {
        if (getter == null) {
            return null;
        }
        try {
            return (String) getter.invoke(target);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError failed) {
            return null;
        }
    }
}
