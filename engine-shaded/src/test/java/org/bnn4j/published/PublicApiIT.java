package org.bnn4j.published;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The API boundary of module org.bnn4j: no public or protected member of an exported package
 * takes, returns or throws a type of a package the module does not export (internal or
 * generated), so {@code requires org.bnn4j;} is enough to use every public signature.
 */
class PublicApiIT {
  private static final Path ENGINE_JAR = Path.of(System.getProperty("bnn4j.engine.jar"));

  /**
   * Leaks known today, each to be replaced by a plain public type (none now). Remove an entry
   * once it is fixed; the test fails on an entry that no longer leaks, so the list stays true.
   */
  private static final Set<String> KNOWN_LEAKS = Set.of();

  @Test
  void exportedSignaturesUseOnlyExportedOrJdkTypes()
      throws IOException, ReflectiveOperationException {
    ModuleDescriptor module = ModuleFinder.of(ENGINE_JAR).findAll().iterator().next().descriptor();
    Set<String> exported = new TreeSet<>();
    module.exports().forEach(e -> exported.add(e.source()));
    List<Class<?>> api = new ArrayList<>();
    try (JarFile jar = new JarFile(ENGINE_JAR.toFile())) {
      for (var e : jar.stream().toList()) {
        String n = e.getName();
        if (!n.endsWith(".class") || n.endsWith("module-info.class")) {
          continue;
        }
        String cls = n.substring(0, n.length() - ".class".length()).replace('/', '.');
        if (exported.contains(cls.substring(0, cls.lastIndexOf('.')))) {
          // Loaded from the unshaded build on the test's class path: the same sources.
          Class<?> c = Class.forName(cls, false, getClass().getClassLoader());
          if (isApi(c)) {
            api.add(c);
          }
        }
      }
    }
    assertTrue(api.size() >= 10, "found only " + api);
    Set<String> leaks = new TreeSet<>();
    for (Class<?> c : api) {
      checkType(c.getName() + " (supertype)", c.getGenericSuperclass(), exported, leaks);
      for (Type t : c.getGenericInterfaces()) {
        checkType(c.getName() + " (supertype)", t, exported, leaks);
      }
      for (Field f : c.getDeclaredFields()) {
        if (visible(f)) {
          checkType(key(c, f), f.getGenericType(), exported, leaks);
        }
      }
      List<Executable> execs = new ArrayList<>(List.of(c.getDeclaredConstructors()));
      execs.addAll(List.of(c.getDeclaredMethods()));
      for (Executable x : execs) {
        if (!visible(x) || x.isSynthetic()) {
          continue;
        }
        String k = key(c, x);
        if (x instanceof Method m) {
          checkType(k, m.getGenericReturnType(), exported, leaks);
        }
        for (Type t : x.getGenericParameterTypes()) {
          checkType(k, t, exported, leaks);
        }
        for (Type t : x.getGenericExceptionTypes()) {
          checkType(k, t, exported, leaks);
        }
      }
    }
    Set<String> unexpected = new TreeSet<>(leaks);
    unexpected.removeAll(KNOWN_LEAKS);
    assertEquals(Set.of(), unexpected, "public API handing out non-exported types");
    Set<String> fixed = new TreeSet<>(KNOWN_LEAKS);
    fixed.removeAll(leaks);
    assertEquals(Set.of(), fixed, "fixed: remove these from KNOWN_LEAKS");
  }

  private static boolean isApi(Class<?> c) {
    for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
      if (!Modifier.isPublic(k.getModifiers()) && !Modifier.isProtected(k.getModifiers())) {
        return false;
      }
    }
    return true;
  }

  private static boolean visible(Member m) {
    int mod = m.getModifiers();
    return Modifier.isPublic(mod) || Modifier.isProtected(mod);
  }

  private static String key(Class<?> c, Member m) {
    boolean ctor = m instanceof java.lang.reflect.Constructor<?>;
    return c.getName() + "." + (ctor ? "<init>" : m.getName());
  }

  private static void checkType(String where, Type t, Set<String> exported, Set<String> leaks) {
    if (t == null) {
      return;
    }
    if (t instanceof Class<?> c) {
      while (c.isArray()) {
        c = c.getComponentType();
      }
      if (c.isPrimitive()) {
        return;
      }
      String pkg = c.getPackageName();
      if (!exported.contains(pkg) && !pkg.startsWith("java.") && !pkg.startsWith("javax.")) {
        leaks.add(where);
      }
    } else if (t instanceof ParameterizedType p) {
      checkType(where, p.getRawType(), exported, leaks);
      for (Type a : p.getActualTypeArguments()) {
        checkType(where, a, exported, leaks);
      }
    } else if (t instanceof GenericArrayType g) {
      checkType(where, g.getGenericComponentType(), exported, leaks);
    } else if (t instanceof WildcardType w) {
      for (Type b : w.getUpperBounds()) {
        checkType(where, b, exported, leaks);
      }
      for (Type b : w.getLowerBounds()) {
        checkType(where, b, exported, leaks);
      }
    } else if (t instanceof TypeVariable<?> v) {
      // Raw bounds only: a bound may name the variable itself (T extends Comparable<T>).
      for (Type b : v.getBounds()) {
        checkType(where, b instanceof ParameterizedType p ? p.getRawType() : b, exported, leaks);
      }
    }
  }
}
