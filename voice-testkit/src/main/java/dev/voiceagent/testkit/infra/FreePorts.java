package dev.voiceagent.testkit.infra;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers that are bound a little after they are chosen (a local stack's services, its broker, its
 * database). A port from {@code bind(0)} lies in the kernel's ephemeral range (Linux: 32768–60999), which is also
 * where every outgoing connection takes its local port; in the moment between choosing and binding, a connection
 * of the stack itself (Kafka clients, database pools, a service calling another) could take the port, and the server
 * then failed with "port already in use". These ports come from below that range, where no connection takes its
 * local port, and none is given out twice in one JVM.
 */
public final class FreePorts {

    static final int LOWEST = 15000;
    static final int HIGHEST = 32767;
    private static final int ATTEMPTS = 500;
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A port no server listens on now, below the ephemeral range and not given out before by this JVM. */
    public static int pick() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = random.nextInt(LOWEST, HIGHEST + 1);
            if (GIVEN.add(port) && bindable(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port between " + LOWEST + " and " + HIGHEST + " after " + ATTEMPTS
                + " attempts");
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
