package dev.voiceagent.testkit.twilio;

import dev.voiceagent.testkit.audio.DtmfDetector;
import dev.voiceagent.testkit.audio.Tones;
import dev.voiceagent.testkit.scenario.Scenario;
import dev.voiceagent.testkit.scenario.Turn;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.util.concurrent.Queues;

/**
 * Twilio's side of one two-way media stream, with the scripted caller on it: a 20 ms clock sends the caller's
 * μ-law (speech for scenario turns, silence otherwise), plays the server's audio in real time, echoes marks
 * once the audio before them has played, obeys {@code clear}, and hangs up after the last answer (or, when the
 * script says so, stays on the line until the other side ends the call).
 * Entry points are synchronized so frames leave in one order.
 */
final class CallerMediaSession {

    private static final Logger log = LoggerFactory.getLogger(CallerMediaSession.class);
    private static final int FRAME_MS = 20;
    private static final int FRAME_BYTES = FRAME_MS * Tones.BYTES_PER_MS;
    private static final int MS_PER_CHAR = 40;
    private static final int MIN_SPEECH_MS = 200;
    private static final int MAX_SPEECH_MS = 1200;
    private static final int OUTBOUND_QUEUE = 4096;
    private static final long MAX_QUEUED_AGENT_BYTES = 120L * 1000 * Tones.BYTES_PER_MS;
    private static final String SILENCE_PAYLOAD = Base64.getEncoder().encodeToString(Tones.silence(FRAME_MS));

    private enum Phase { LISTENING, SPEAKING, HANGING_UP, ENDED }

    /** Agent audio waiting to be played, and marks waiting for the audio before them. */
    private sealed interface Queued {
    }

    private static final class QueuedAudio implements Queued {
        private final byte[] bytes;
        private int offset;

        private QueuedAudio(byte[] bytes) {
            this.bytes = bytes;
        }
    }

    private record QueuedMark(String name) implements Queued {
    }

    private final CallState call;
    private final String streamSid;
    private final Map<String, String> customParameters;
    private final Scenario scenario;
    private final TwilioSimulator.Options options;
    private final MediaStreamCodec codec;
    private final Sinks.Many<MediaStreamMessage> outbound =
            Sinks.many().unicast().onBackpressureBuffer(Queues.<MediaStreamMessage>get(OUTBOUND_QUEUE).get());
    private final Deque<Queued> playback = new ArrayDeque<>();
    private final Deque<String> pendingDtmf = new ArrayDeque<>();
    /** Listens for keys the agent presses in the audio it plays, as a phone menu would. */
    private final DtmfDetector keys = new DtmfDetector();
    private Disposable clock;
    private Phase phase = Phase.LISTENING;
    private long sequence;
    private long ticks;
    private long chunk;
    private long queuedAudioBytes;
    private int nextTurn;
    private int awaitedTurn = -1;
    private long phaseStartTick;
    private long lastAgentActivityTick;
    private long agentBytesReceivedInPhase;
    private long agentBytesPlayedInPhase;
    private byte[] speech = new byte[0];
    private int speechOffset;

    CallerMediaSession(CallState call, String streamSid, Map<String, String> customParameters, Scenario scenario,
                       TwilioSimulator.Options options, MediaStreamCodec codec) {
        this.call = call;
        this.streamSid = streamSid;
        this.customParameters = customParameters;
        this.scenario = scenario;
        this.options = options;
        this.codec = codec;
    }

    /** Runs the stream on an open socket; completes when the socket has closed. */
    Mono<Void> run(WebsocketInbound in, WebsocketOutbound out) {
        begin();
        Mono<Void> send = out.sendString(outbound.asFlux().map(this::encode)).then()
                .then(Mono.defer(() -> out.sendClose(1000, "call ended")))
                .onErrorResume(e -> Mono.empty());
        Mono<Void> receive = in.aggregateFrames(1 << 20).receive().asString()
                .doOnNext(this::onServerFrame)
                .then()
                .doFinally(signal -> onSocketClosed());
        Mono<Void> closeStatus = in.receiveCloseStatus()
                .doOnNext(status -> call.streamClosed(status.code(), null))
                .then();
        // All three end once the socket is closed, whichever side closed it.
        return Mono.when(send, receive, closeStatus);
    }

    /** Ends the call from Twilio's side: {@code stop}, then a normal close. */
    synchronized void hangUp(String reason) {
        if (phase == Phase.HANGING_UP || phase == Phase.ENDED) {
            return;
        }
        phase = Phase.HANGING_UP;
        call.streamClosed(null, reason);
        emit(new MediaStreamMessage.Stop(nextSequence(), streamSid, call.accountSid, call.sid));
        stopClock();
        outbound.tryEmitComplete();
    }

    private synchronized void begin() {
        emit(new MediaStreamMessage.Connected());
        emit(new MediaStreamMessage.Start(nextSequence(), streamSid, call.accountSid, call.sid, customParameters));
        Duration frame = Duration.ofMillis(FRAME_MS);
        clock = Flux.interval(frame, frame, Schedulers.parallel()).onBackpressureDrop().subscribe(tick -> tick());
    }

    private synchronized void tick() {
        if (phase == Phase.HANGING_UP || phase == Phase.ENDED) {
            return;
        }
        ticks++;
        play();
        if (ticks * FRAME_MS >= options.maxCallDuration().toMillis()) {
            hangUp("timeout");
            return;
        }
        advanceScript();
        if (phase == Phase.HANGING_UP) {
            return;
        }
        if (!pendingDtmf.isEmpty()) {
            String digit = pendingDtmf.poll();
            emit(new MediaStreamMessage.Dtmf(nextSequence(), streamSid, digit));
            call.dtmfSent(digit);
        }
        sendCallerFrame();
    }

    private void advanceScript() {
        if (phase == Phase.SPEAKING) {
            if (speechOffset >= speech.length && pendingDtmf.isEmpty()) {
                listen(nextTurn - 1);
            }
            return;
        }
        Turn next = scenario.turn(nextTurn).orElse(null);
        boolean bargeIn = next != null && next.bargeIn()
                && agentBytesPlayedInPhase >= options.bargeInAfter().toMillis() * Tones.BYTES_PER_MS;
        if (answerHeard() || bargeIn || (ticks - phaseStartTick) * FRAME_MS >= listenTimeout().toMillis()) {
            if (next == null && !scenario.staysOnLine()) {
                hangUp("caller");
            } else if (next != null) {
                speak(next);
            }
        }
    }

    /** The agent has answered (or was not expected to) and its audio has played out, plus the caller's pause. */
    private boolean answerHeard() {
        boolean playing = playback.stream().anyMatch(QueuedAudio.class::isInstance);
        long quietMs = (ticks - lastAgentActivityTick) * FRAME_MS;
        boolean expectAudio = awaitedTurn < 0
                ? scenario.greeting() != null
                : scenario.turn(awaitedTurn).map(turn -> turn.sayCount() > 0).orElse(false);
        boolean heard = !expectAudio || agentBytesReceivedInPhase > 0;
        return heard && !playing && quietMs >= options.pauseBeforeSpeaking().toMillis();
    }

    private Duration listenTimeout() {
        return awaitedTurn < 0 ? options.greetingTimeout() : options.answerTimeout();
    }

    private void speak(Turn turn) {
        phase = Phase.SPEAKING;
        nextTurn++;
        int ms = turn.callerSays().isBlank() ? 0
                : Math.max(MIN_SPEECH_MS, Math.min(MAX_SPEECH_MS, turn.callerSays().length() * MS_PER_CHAR));
        speech = ms == 0 ? new byte[0] : Tones.tone(ms - ms % FRAME_MS, 300 + 40 * (nextTurn % 5));
        speechOffset = 0;
        pendingDtmf.addAll(turn.dtmf());
        call.callerSpoke(turn.callerSays());
        log.debug("call {}: caller speaks turn {} ({} ms)", call.sid, nextTurn, ms);
    }

    private void listen(int turnIndex) {
        phase = Phase.LISTENING;
        awaitedTurn = turnIndex;
        phaseStartTick = ticks;
        lastAgentActivityTick = ticks;
        agentBytesReceivedInPhase = 0;
        agentBytesPlayedInPhase = 0;
    }

    private void sendCallerFrame() {
        String payload = SILENCE_PAYLOAD;
        if (phase == Phase.SPEAKING && pendingDtmf.isEmpty() && speechOffset < speech.length) {
            byte[] frame = Arrays.copyOfRange(speech, speechOffset, speechOffset + FRAME_BYTES);
            speechOffset += FRAME_BYTES;
            payload = Base64.getEncoder().encodeToString(frame);
        }
        chunk++;
        emit(new MediaStreamMessage.InboundMedia(nextSequence(), streamSid, chunk, (chunk - 1) * FRAME_MS, payload));
        call.frameSent();
    }

    /** Plays 20 ms of queued agent audio and echoes the marks it reaches. */
    private void play() {
        int budget = FRAME_BYTES;
        int played = 0;
        echoLeadingMarks();
        while (budget > 0 && playback.peek() instanceof QueuedAudio audio) {
            int n = Math.min(budget, audio.bytes.length - audio.offset);
            String pressed = keys.accept(audio.bytes, audio.offset, n);
            if (!pressed.isEmpty()) {
                call.keysHeard(pressed);
            }
            audio.offset += n;
            budget -= n;
            played += n;
            if (audio.offset >= audio.bytes.length) {
                playback.poll();
            }
            echoLeadingMarks();
        }
        if (played > 0) {
            queuedAudioBytes -= played;
            agentBytesPlayedInPhase += played;
            lastAgentActivityTick = ticks;
            call.agentAudioHeard(played);
        }
    }

    private void echoLeadingMarks() {
        while (playback.peek() instanceof QueuedMark mark) {
            playback.poll();
            echo(mark.name());
        }
    }

    private void echo(String name) {
        emit(new MediaStreamMessage.Mark(nextSequence(), streamSid, name));
        call.markEchoed(name);
    }

    private synchronized void onServerFrame(String frame) {
        if (log.isTraceEnabled()) {
            log.trace("call {} <- {}", call.sid, frame);
        }
        MediaStreamMessage message = codec.decodeFromServer(frame);
        if (message instanceof MediaStreamMessage.OutboundMedia media) {
            call.eventReceived("media");
            enqueueAudio(media.payload());
        } else if (message instanceof MediaStreamMessage.Mark mark) {
            call.eventReceived("mark");
            enqueueMark(mark.name());
        } else if (message instanceof MediaStreamMessage.Clear) {
            call.eventReceived("clear");
            clear();
        } else if (message instanceof MediaStreamMessage.Unknown unknown) {
            call.eventReceived(unknown.event());
        }
    }

    private void enqueueAudio(String payload) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(payload);
        } catch (IllegalArgumentException e) {
            call.eventReceived("malformed");
            return;
        }
        if (queuedAudioBytes + bytes.length > MAX_QUEUED_AGENT_BYTES) {
            log.warn("call {}: more than {} s of agent audio queued, dropping a frame", call.sid,
                    Tones.millis(MAX_QUEUED_AGENT_BYTES) / 1000);
            return;
        }
        playback.add(new QueuedAudio(bytes));
        queuedAudioBytes += bytes.length;
        agentBytesReceivedInPhase += bytes.length;
        lastAgentActivityTick = ticks;
        call.agentAudioReceived(bytes.length);
    }

    private void enqueueMark(String name) {
        if (playback.stream().noneMatch(QueuedAudio.class::isInstance)) {
            echoLeadingMarks();
            echo(name);
        } else {
            playback.add(new QueuedMark(name));
        }
    }

    /** Drops queued audio; Twilio then echoes every pending mark at once. */
    private void clear() {
        playback.removeIf(QueuedAudio.class::isInstance);
        queuedAudioBytes = 0;
        echoLeadingMarks();
        call.clearObeyed();
    }

    private synchronized void onSocketClosed() {
        if (phase != Phase.HANGING_UP && phase != Phase.ENDED) {
            call.streamClosed(null, "server");
        }
        phase = Phase.ENDED;
        stopClock();
        outbound.tryEmitComplete();
    }

    private void stopClock() {
        if (clock != null) {
            clock.dispose();
        }
    }

    private void emit(MediaStreamMessage message) {
        Sinks.EmitResult result = outbound.tryEmitNext(message);
        if (result == Sinks.EmitResult.FAIL_OVERFLOW) {
            log.warn("call {}: media stream outbound queue full, dropping a frame", call.sid);
        }
    }

    private String encode(MediaStreamMessage message) {
        String frame = codec.encode(message);
        if (log.isTraceEnabled()) {
            log.trace("call {} -> {}", call.sid, frame);
        }
        return frame;
    }

    private String nextSequence() {
        return Long.toString(++sequence);
    }
}
