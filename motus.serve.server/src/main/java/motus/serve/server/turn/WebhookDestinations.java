package motus.serve.server.turn;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Where webhooks may go: {@code *} (anywhere, the default), a host name, {@code *.example.com}
 * (that domain's hosts), an IP address, or a network in CIDR form ({@code 10.0.0.0/8},
 * {@code fd00::/8}). Host names are matched as the URL names them; addresses and networks
 * against every address the name resolves to, so that a name pointing inside the network is
 * refused by an address rule.
 */
public final class WebhookDestinations {

    private final boolean anywhere;
    private final List<String> hosts = new ArrayList<>();
    private final List<String> domains = new ArrayList<>();
    private final List<Network> networks = new ArrayList<>();

    /** @throws IllegalArgumentException naming an entry that is none of the forms above */
    public WebhookDestinations(List<String> allowed) {
        boolean any = false;
        for (String entry : allowed) {
            String rule = entry.strip().toLowerCase(Locale.ROOT);
            if (rule.equals("*")) {
                any = true;
            } else if (rule.startsWith("*.") && rule.length() > 2) {
                domains.add(rule.substring(1));
            } else if (rule.contains("/") || isAddress(rule)) {
                networks.add(Network.parse(rule));
            } else if (!rule.isEmpty() && rule.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '.')) {
                hosts.add(rule);
            } else {
                throw new IllegalArgumentException("not a host, *.domain, IP address or CIDR network: " + entry);
            }
        }
        this.anywhere = any;
    }

    /** Checks an entry as the settings do; see the constructor. */
    public static void check(List<String> allowed) {
        new WebhookDestinations(allowed);
    }

    /**
     * Why a webhook may not be sent to {@code url}, or null if it may. Resolves the host when
     * address rules need it; call it off any thread that must not block.
     */
    public @Nullable String refusal(String url) {
        if (anywhere) {
            return null;
        }
        String host = URI.create(url).getHost();
        if (host == null) {
            return "the webhook URL has no host";
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        String name = host; // effectively final, for the lambda
        if (hosts.contains(name) || domains.stream().anyMatch(name::endsWith)) {
            return null;
        }
        if (!networks.isEmpty()) {
            try {
                InetAddress[] addresses = InetAddress.getAllByName(host);
                if (Arrays.stream(addresses).allMatch(a -> networks.stream().anyMatch(n -> n.contains(a)))) {
                    return null;
                }
            } catch (UnknownHostException e) {
                return "the webhook host " + host + " does not resolve, so the server's webhook-hosts setting"
                        + " cannot allow it";
            }
        }
        return "the webhook host " + host + " is not one the server may send to (its webhook-hosts setting)";
    }

    private static boolean isAddress(String rule) {
        return rule.contains(":") || rule.chars().allMatch(c -> Character.isDigit(c) || c == '.') && rule.contains(".");
    }

    private record Network(byte[] prefix, int bits) {

        static Network parse(String rule) {
            int slash = rule.indexOf('/');
            String address = slash < 0 ? rule : rule.substring(0, slash);
            byte[] bytes;
            try {
                // A literal only: getByName does not resolve what looks like an address.
                if (!isAddress(address)) {
                    throw new UnknownHostException(address);
                }
                bytes = InetAddress.getByName(address).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address: " + address);
            }
            int bits = bytes.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(rule.substring(slash + 1));
                } catch (NumberFormatException e) {
                    bits = -1;
                }
                if (bits < 0 || bits > bytes.length * 8) {
                    throw new IllegalArgumentException("not a prefix length for " + address + ": " + rule.substring(slash + 1));
                }
            }
            return new Network(bytes, bits);
        }

        boolean contains(InetAddress address) {
            byte[] other = address.getAddress();
            if (other.length != prefix.length) {
                return false;
            }
            for (int bit = 0; bit < bits; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((other[bit / 8] & mask) != (prefix[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
