package dev.voiceagent.gateway.media;

import dev.voiceagent.support.BackgroundLoop;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Which media bridge instance takes a call: the one the call's pre-warm and its media stream both go to, so that the
 * stream finds the model session warmed for it. The instances are discovered from a headless Service's DNS records
 * ({@code voice.gateway.bridge-discovery.host}, looked up every {@code refresh-interval} on {@code boundedElastic})
 * and chosen by rendezvous hashing on the call SID: a function of the SID and the instance list only, so every gateway
 * instance, the one that answers the webhook and the one that relays the stream, chooses the same bridge, and when a
 * bridge leaves only its own calls move. Without discovery, or with no instance known yet, a call goes to the
 * configured bridge Service URLs, as before discovery existed.
 * <p>
 * A failed lookup keeps the last list (a stale instance refuses or cannot be reached, and the relay then asks the
 * Service); changes and failures are logged once each, not every refresh. As a bean it reports
 * {@code voice_gateway_bridge_instances} and {@code voice_gateway_bridge_fallbacks_total}.
 */
public class BridgeDirectory extends BackgroundLoop implements MeterBinder {

    private static final Logger log = LoggerFactory.getLogger(BridgeDirectory.class);
    /** A lookup the system resolver has not answered by then is given up until the next refresh. */
    static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(5);

    /** Looks up the instances behind {@code host}; may block (it is called on {@code boundedElastic}). */
    @FunctionalInterface
    public interface Resolver {

        /** The system resolver: one instance per A/AAAA record, without a port (the configured URLs' port stays). */
        Resolver DNS = host -> Arrays.stream(InetAddress.getAllByName(host))
                .map(address -> new Instance(address.getHostAddress(), -1))
                .toList();

        List<Instance> resolve(String host) throws Exception;
    }

    /** One bridge instance: its address and, when discovery gives one, its port ({@code -1}: the configured port). */
    public record Instance(String host, int port) {

        public Instance {
            Objects.requireNonNull(host, "host");
        }

        /** {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}. */
        public static Instance parse(String address) {
            String text = address.trim();
            if (text.startsWith("[")) {
                int end = text.indexOf(']');
                String port = text.substring(end + 1);
                return new Instance(text.substring(1, end), port.startsWith(":") ? Integer.parseInt(port.substring(1))
                        : -1);
            }
            int colon = text.indexOf(':');
            if (colon > 0 && colon == text.lastIndexOf(':')) {
                return new Instance(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
            }
            return new Instance(text, -1);
        }

        /** The instance as it is hashed and logged: {@code host} or {@code host:port}. */
        public String key() {
            String literal = host.contains(":") ? "[" + host + "]" : host;
            return port < 0 ? literal : literal + ":" + port;
        }

        /** {@code url} with this instance's host, and port when it has one; scheme, path and query unchanged. */
        URI in(URI url) {
            int targetPort = port < 0 ? url.getPort() : port;
            String literal = host.contains(":") ? "[" + host + "]" : host;
            return URI.create(url.getScheme() + "://" + (url.getRawUserInfo() == null ? "" : url.getRawUserInfo() + "@")
                    + literal + (targetPort < 0 ? "" : ":" + targetPort)
                    + Objects.toString(url.getRawPath(), "")
                    + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery())
                    + (url.getRawFragment() == null ? "" : "#" + url.getRawFragment()));
        }
    }

    /** Where one call's bridge traffic goes; {@code instance} is null when it goes to the configured Service. */
    public record Target(Instance instance, URI streamUrl, URI apiUrl) {

        /** Whether an instance was chosen, rather than the bridge Service. */
        public boolean chosen() {
            return instance != null;
        }
    }

    /** Why a call's bridge traffic went to the Service although discovery is on. */
    public enum Fallback {
        /** Discovery has found no instance (yet). */
        NO_INSTANCES,
        /** The chosen instance refused the stream at capacity (1013). */
        REFUSED,
        /** The chosen instance could not be connected to. */
        UNREACHABLE;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Target service;
    private final String host;
    private final Duration refreshInterval;
    private final Resolver resolver;
    private final Map<Fallback, AtomicLong> fallbacks = new EnumMap<>(Fallback.class);
    /** The known instances with their URLs, sorted by key; replaced whole by a refresh. */
    private volatile List<Target> targets = List.of();
    /** The last lookup's failure, while lookups fail (logged when it changes). */
    private volatile String failing;

    /**
     * {@code host}: the headless Service name whose records are the ready bridges; null or blank: no discovery, every
     * call goes to {@code streamUrl} and {@code apiUrl}.
     */
    public BridgeDirectory(URI streamUrl, URI apiUrl, String host, Duration refreshInterval, Resolver resolver) {
        this.service = new Target(null, streamUrl, apiUrl);
        this.host = host == null || host.isBlank() ? null : host.trim();
        this.refreshInterval = refreshInterval;
        this.resolver = resolver;
        for (Fallback reason : Fallback.values()) {
            fallbacks.put(reason, new AtomicLong());
        }
    }

    /** Whether instances are discovered at all. */
    public boolean enabled() {
        return host != null;
    }

    /** The configured bridge Service's URLs. */
    public Target service() {
        return service;
    }

    /** The instances known now, sorted. */
    public List<Instance> instances() {
        return targets.stream().map(Target::instance).toList();
    }

    /**
     * The instance for {@code callSid}: of the known ones, the one with the highest weight for this SID. The Service
     * when none is known.
     */
    public Target choose(String callSid) {
        List<Target> known = targets;
        if (known.isEmpty()) {
            if (enabled()) {
                fellBack(Fallback.NO_INSTANCES);
            }
            return service;
        }
        Target best = known.get(0);
        long bestWeight = weight(callSid, best.instance().key());
        for (int i = 1; i < known.size(); i++) {
            Target candidate = known.get(i);
            long candidateWeight = weight(callSid, candidate.instance().key());
            if (Long.compareUnsigned(candidateWeight, bestWeight) > 0) {
                best = candidate;
                bestWeight = candidateWeight;
            }
        }
        return best;
    }

    /** A call's bridge traffic went to the Service instead of its chosen instance (or had no instance to go to). */
    public void fellBack(Fallback reason) {
        fallbacks.get(reason).incrementAndGet();
    }

    /**
     * The weight of {@code instance} for {@code callSid}: FNV-1a over both (a separator between them), then
     * SplitMix64's finalizer, so that weights of one SID are independent across instances. Stable across processes
     * and releases: two gateways must agree, and a call's pre-warm and stream may be handled by different builds
     * during a rollout.
     */
    static long weight(String callSid, String instance) {
        long h = 0xcbf29ce484222325L;
        h = fnv(h, callSid.getBytes(StandardCharsets.UTF_8));
        h = (h ^ 0x1f) * 0x100000001b3L;
        h = fnv(h, instance.getBytes(StandardCharsets.UTF_8));
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }

    private static long fnv(long h, byte[] bytes) {
        for (byte b : bytes) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("voice.gateway.bridge.instances", this, directory -> directory.targets.size())
                .description("Media bridge instances known from discovery (0 without discovery)")
                .register(registry);
        for (Fallback reason : Fallback.values()) {
            FunctionCounter.builder("voice.gateway.bridge.fallbacks", fallbacks.get(reason), AtomicLong::get)
                    .description("Bridge choices that went to the bridge Service instead of a chosen instance")
                    .tag("reason", reason.tag())
                    .register(registry);
        }
    }

    @Override
    protected Flux<?> loop() {
        if (!enabled()) {
            return Flux.empty();
        }
        return Flux.interval(Duration.ZERO, refreshInterval)
                .onBackpressureDrop()
                .concatMap(tick -> refresh(), 1);
    }

    /** One lookup, off the event loops; its answer replaces the list, its failure keeps it. */
    Mono<Void> refresh() {
        return Mono.fromCallable(() -> resolver.resolve(host))
                .subscribeOn(Schedulers.boundedElastic())
                .timeout(LOOKUP_TIMEOUT)
                .doOnNext(this::update)
                .doOnError(this::failed)
                .onErrorResume(e -> Mono.empty())
                .then();
    }

    private void update(List<Instance> found) {
        List<Target> next = found.stream()
                .distinct()
                .sorted(Comparator.comparing(Instance::key))
                .map(instance -> new Target(instance, instance.in(service.streamUrl()), instance.in(service.apiUrl())))
                .toList();
        if (failing != null) {
            log.info("media bridge discovery: {} resolves again", host);
            failing = null;
        }
        if (!next.equals(targets)) {
            log.info("media bridge discovery: {} instance(s) behind {}: {}", next.size(), host,
                    next.stream().map(target -> target.instance().key()).toList());
            targets = next;
        }
    }

    private void failed(Throwable e) {
        String failure = e.toString();
        if (!failure.equals(failing)) {
            log.warn("media bridge discovery: could not resolve {} ({}); keeping the {} instance(s) known", host,
                    failure, targets.size());
            failing = failure;
        }
    }
}
