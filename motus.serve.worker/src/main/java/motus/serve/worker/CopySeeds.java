package motus.serve.worker;

import java.lang.reflect.Field;
import java.security.SecureRandom;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

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

    private CopySeeds() {
    }

    /**
     * @throws IllegalStateException if a generator could not be reached: such a copy must not run
     *         a turn, since its numbers would repeat another copy's
     */
    static void reseed() {
        SecureRandom entropy = new SecureRandom(); // NativePRNG here: the kernel's entropy, read in this copy
        try {
            ((AtomicLong) field(ThreadLocalRandom.class, "seeder").get(null)).set(entropy.nextLong());
            Field seed = field(Thread.class, "threadLocalRandomSeed");
            Field probe = field(Thread.class, "threadLocalRandomProbe");
            for (Thread thread : Thread.getAllStackTraces().keySet()) {
                if (probe.getInt(thread) != 0) { // a thread that has used it; the others seed at first use, from the seeder
                    seed.setLong(thread, entropy.nextLong());
                }
            }
            ((AtomicLong) field(Random.class, "seedUniquifier").get(null)).set(entropy.nextLong());
            for (String holder : new String[] {"java.lang.Math$RandomNumberGeneratorHolder",
                    "java.lang.StrictMath$RandomNumberGeneratorHolder"}) {
                ((Random) field(Class.forName(holder), "randomNumberGenerator").get(null)).setSeed(entropy.nextLong());
            }
            SecureRandom shared = (SecureRandom) Class.forName("sun.security.jca.JCAUtil")
                    .getMethod("getDefSecureRandom").invoke(null);
            if (!shared.getAlgorithm().equals("NativePRNG")) {
                shared.reseed();
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("could not reseed the JDK's random generators in a restored worker: " + e, e);
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }
}
