package motus.serve.worker;

import java.lang.reflect.Field;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Reseeds, in a copy restored from a snapshot, the JDK's generators that were seeded in the
 * template and would otherwise draw the same numbers in every copy: {@link ThreadLocalRandom}
 * (its seeder and each live thread's seed), {@link Math#random()} and {@link StrictMath#random()},
 * the uniquifier that {@code new Random()} mixes in, and the JDK's default {@link SecureRandom}
 * where it keeps a seeded state (DRBG; NativePRNG reads the kernel's entropy on every call).
 * {@code UUID.randomUUID()} and a {@code new SecureRandom()} read the kernel's entropy and need
 * nothing. CRaC's JDK does the same for the same reason; a plain JDK has no hook for it, so this
 * reaches into fields that every worker's command line opens to this module
 * ({@link WorkerLauncher}'s {@code --add-opens}).
 */
final class CopySeeds {

    /**
     * What {@link #reseed()} uses, found in the template before its checkpoint: the reflective
     * lookups and the first {@code SecureRandom} (which initialises the security providers) cost
     * tens of milliseconds of cold code, which every copy would otherwise pay again.
     */
    private record Handles(SecureRandom entropy, AtomicLong seeder, Field threadSeed, Field threadProbe,
                           AtomicLong seedUniquifier, Random mathRandom, Random strictMathRandom, SecureRandom shared) {
    }

    private static @Nullable Handles handles;

    private CopySeeds() {
    }

    /**
     * Finds the generators; in the template, before its checkpoint.
     *
     * @throws IllegalStateException if one cannot be reached (the module is not opened to us)
     */
    static void prepare() {
        try {
            handles = new Handles(new SecureRandom(), // NativePRNG here: each call reads the kernel's entropy
                    (AtomicLong) field(ThreadLocalRandom.class, "seeder").get(null),
                    field(Thread.class, "threadLocalRandomSeed"), field(Thread.class, "threadLocalRandomProbe"),
                    (AtomicLong) field(Random.class, "seedUniquifier").get(null),
                    (Random) field(Class.forName("java.lang.Math$RandomNumberGeneratorHolder"), "randomNumberGenerator").get(null),
                    (Random) field(Class.forName("java.lang.StrictMath$RandomNumberGeneratorHolder"), "randomNumberGenerator")
                            .get(null),
                    (SecureRandom) Class.forName("sun.security.jca.JCAUtil").getMethod("getDefSecureRandom").invoke(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("the JDK's random generators cannot be reached to reseed them in restored"
                    + " workers: " + e, e);
        }
        // Once here, pointless but harmless: a field's first get or set spins its accessor's method
        // handles, some 70 methods to generate and compile, which every copy would do again (11 ms of CPU).
        reseed();
    }

    /**
     * Reseeds them, in a copy: each draws from the kernel's entropy in this copy.
     *
     * @throws IllegalStateException if {@link #prepare()} did not run or a generator refused: such
     *         a copy must not run a turn, since its numbers would repeat another copy's
     */
    static void reseed() {
        Handles found = handles;
        if (found == null) {
            throw new IllegalStateException("the random generators were not found before the checkpoint");
        }
        SecureRandom entropy = found.entropy();
        try {
            found.seeder().set(entropy.nextLong());
            for (Thread thread : platformThreads()) {
                // A thread that has used it; the others seed themselves at first use, from the seeder.
                if (found.threadProbe().getInt(thread) != 0) {
                    found.threadSeed().setLong(thread, entropy.nextLong());
                }
            }
            found.seedUniquifier().set(entropy.nextLong());
            found.mathRandom().setSeed(entropy.nextLong());
            found.strictMathRandom().setSeed(entropy.nextLong());
            if (!found.shared().getAlgorithm().equals("NativePRNG")) {
                found.shared().reseed();
            }
        } catch (IllegalAccessException | RuntimeException e) {
            throw new IllegalStateException("could not reseed the JDK's random generators in a restored worker: " + e, e);
        }
    }

    /** The live platform threads, without {@link Thread#getAllStackTraces()}'s walk of every stack. */
    private static List<Thread> platformThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int count;
        while ((count = root.enumerate(threads)) == threads.length) {
            threads = new Thread[threads.length * 2];
        }
        return Arrays.asList(threads).subList(0, count);
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }
}
