package motus.bench.agents;

import java.util.Arrays;
import java.util.List;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;

/**
 * The floor a served turn is measured against: the same agent's turn, warm, in one JVM.
 * {@code java -cp <jars> motus.bench.agents.Floor <agent class> [turns]} prints the median
 * milliseconds of the turns after the first two.
 */
public final class Floor {

    private Floor() {
    }

    public static void main(String[] args) throws Exception {
        ServableAgent agent = (ServableAgent) Class.forName(args[0]).getConstructor().newInstance();
        int turns = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        agent.prepare();
        double[] millis = new double[turns];
        String reply = null;
        for (int i = 0; i < turns; i++) {
            long start = System.nanoTime();
            reply = agent.runTurn(ChatMessage.user("What is 2 + 3?"), List.of()).response().content();
            millis[i] = (System.nanoTime() - start) / 1e6;
        }
        double[] warm = Arrays.copyOfRange(millis, 2, turns);
        Arrays.sort(warm);
        System.out.printf("%s: first %.1f ms, second %.1f ms, warm median %.2f ms%n",
                reply, millis[0], millis[1], warm[warm.length / 2]);
    }
}
