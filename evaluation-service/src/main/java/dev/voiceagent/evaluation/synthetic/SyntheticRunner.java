package dev.voiceagent.evaluation.synthetic;

import dev.voiceagent.evaluation.scoring.EvaluationRepository;
import dev.voiceagent.support.PhoneNumbers;
import dev.voiceagent.support.Problems;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Places the calls of synthetic runs in the background, a few at a time, and records each call's SID (or why it
 * could not be placed). Against the simulators, each call's script is registered first and the call dials the
 * number the simulator gave it, so every call plays its own scenario; otherwise every call dials the run's number
 * and the caller side is whatever answers there. Every run's pipeline is tracked and cancelled when the
 * application stops; the calls' evaluations reach the run through {@link SyntheticRepository#recordEvaluation}
 * as they are scored.
 */
@Component
public class SyntheticRunner implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SyntheticRunner.class);

    private final SyntheticRepository runs;
    private final EvaluationRepository evaluations;
    private final GatewayClient gateway;
    private final SimulatorClient simulator;
    private final boolean simulated;
    private final int concurrency;
    private final Disposable.Composite running = Disposables.composite();
    private volatile boolean started;

    public SyntheticRunner(SyntheticRepository runs, EvaluationRepository evaluations, GatewayClient gateway,
                           SimulatorClient simulator, SyntheticProperties properties) {
        this.runs = runs;
        this.evaluations = evaluations;
        this.gateway = gateway;
        this.simulator = simulator;
        this.simulated = properties.synthetic().simulated();
        this.concurrency = Math.max(1, properties.synthetic().concurrency());
    }

    /** Where and how a run's calls are placed: the key, the number to dial, the greeting the agent opens with. */
    public record Placement(String apiKey, String to, String greeting) {
    }

    /** Stores the run with its pending calls, then starts placing them; answers once the run is stored. */
    public Mono<SyntheticRun> start(SyntheticRun run, List<Scenario> scenarios, Placement placement) {
        if (!started) {
            return Mono.error(Problems.unavailable("The service is shutting down."));
        }
        return runs.createRun(run, scenarios).then(Mono.fromRunnable(() -> launch(run, scenarios, placement)))
                .thenReturn(run);
    }

    private void launch(SyntheticRun run, List<Scenario> scenarios, Placement placement) {
        log.info("synthetic run {} of {} {}: {} calls to {}", run.id(), run.agentKey(), run.agentVersionId(),
                scenarios.size(), simulated ? "scripted simulator numbers" : PhoneNumbers.mask(placement.to()));
        AtomicReference<Disposable> self = new AtomicReference<>();
        Disposable placing = Flux.fromIterable(scenarios)
                .flatMap(s -> placeOne(run, s, placement), concurrency)
                .doFinally(signal -> {
                    Disposable d = self.get();
                    if (d != null) {
                        running.remove(d);
                    }
                })
                .subscribe(null, e -> log.warn("synthetic run {} stopped: {}", run.id(), e.toString()),
                        () -> log.info("synthetic run {}: every call placed or failed", run.id()));
        self.set(placing);
        if (!placing.isDisposed()) {
            running.add(placing);
        }
    }

    private Mono<Void> placeOne(SyntheticRun run, Scenario scenario, Placement placement) {
        return destination(scenario, placement)
                .flatMap(to -> gateway.makeCall(placement.apiKey(), run.id() + ":" + scenario.id(), to,
                        run.agentKey(), run.agentVersionId()))
                .flatMap(sid -> runs.placed(run.id(), scenario.id(), sid)
                        .then(evaluations.markSynthetic(sid))
                        // the call may have been scored before its SID was recorded here
                        .then(evaluations.findByCallSid(sid).flatMap(runs::recordEvaluation)))
                .onErrorResume(e -> runs.failed(run.id(), scenario.id(), reason(e)).then())
                .onErrorResume(e -> {
                    log.warn("synthetic run {} scenario {}: could not record the call: {}", run.id(), scenario.id(),
                            e.toString());
                    return Mono.empty();
                });
    }

    /** The number this scenario's call dials: a fresh scripted one from the simulator, else the run's. */
    private Mono<String> destination(Scenario scenario, Placement placement) {
        if (!simulated) {
            return Mono.just(placement.to());
        }
        return simulator.register(SimulatorScript.of(scenario, placement.greeting()))
                .onErrorMap(ScriptNotRegistered::new);
    }

    private static String reason(Throwable e) {
        return e instanceof ScriptNotRegistered failed
                ? GatewayClient.reason("script registration", "simulator", failed.getCause())
                : GatewayClient.reason(e);
    }

    /** The simulator refused or did not answer the script registration; the call was not placed. */
    private static final class ScriptNotRegistered extends RuntimeException {
        ScriptNotRegistered(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    @Override
    public void start() {
        started = true;
    }

    @Override
    public void stop() {
        started = false;
        running.dispose();
    }

    @Override
    public boolean isRunning() {
        return started;
    }
}
