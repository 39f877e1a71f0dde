package dev.voiceagent.tools.sms;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.support.PhoneNumbers;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.tools.execution.Tool;
import dev.voiceagent.tools.execution.ToolCall;
import dev.voiceagent.tools.execution.ToolExecutorProperties;
import dev.voiceagent.tools.execution.ToolResult;
import dev.voiceagent.tools.lookup.CallerNumbers;
import dev.voiceagent.tools.scope.ServiceRequests;
import dev.voiceagent.tools.twilio.TwilioClient;
import dev.voiceagent.tools.twilio.TwilioClient.SentMessage;
import dev.voiceagent.tools.twilio.TwilioFailures;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code sms}: {@code {body, to?, consent?, action?}} sends a text through Twilio Messages from the tenant's sender
 * ({@code to} defaults to the caller's number). Checks, in order: a valid E.164 recipient; a caller may only text
 * their own number, or the one registered to the account they verified by PIN ({@link CallerNumbers}); consent not refused; not opted out; at most N texts per recipient per hour. An
 * SLA alert from the callback service (its recipient already checked by {@code ServiceRequests}) has no caller and
 * its own hourly limit.
 * {@code action:"opt_out"} (or a body that is a STOP keyword) records an opt-out instead of sending. The message row
 * is claimed before Twilio is called, so a redelivered or raced request never sends a second text.
 */
@Component
public class SmsTool implements Tool {

    private static final Logger log = LoggerFactory.getLogger(SmsTool.class);
    /** Twilio's standard opt-out keywords. */
    static final Set<String> STOP_KEYWORDS = Set.of("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT",
            "OPTOUT", "REVOKE");
    static final String STATUS_PATH = "/api/v1/sms-status";
    static final String NOT_VERIFIED = "I can only text the number you're calling from until I've verified your "
            + "identity.";
    static final String NOT_THEIRS = "I can only text the number you're calling from or the one registered to your "
            + "account.";
    private static final java.time.Duration SETTLE_POLL_INTERVAL = java.time.Duration.ofMillis(100);

    private final SmsRepository messages;
    private final TwilioClient twilio;
    private final TenantDirectory tenants;
    private final SmsProperties properties;
    private final String publicBaseUrl;
    private final CallerNumbers callerNumbers;

    public SmsTool(SmsRepository messages, TwilioClient twilio, TenantDirectory tenants, SmsProperties properties,
                   ToolExecutorProperties tools, CallerNumbers callerNumbers) {
        this.messages = messages;
        this.callerNumbers = callerNumbers;
        this.twilio = twilio;
        this.tenants = tenants;
        this.properties = properties;
        this.publicBaseUrl = tools.publicBaseUrl();
    }

    @Override
    public ToolName name() {
        return ToolName.SMS;
    }

    @Override
    public boolean callsTwilio() {
        return true;
    }

    @Override
    public Mono<ToolResult> execute(ToolCall call) {
        String caller = call.request().callerNumber();
        String to = Optional.ofNullable(call.argument("to")).orElse(caller);
        String body = call.argument("body");
        if (!PhoneNumbers.isE164(to)) {
            return Mono.just(ToolResult.failed("I need a full phone number with its country code to send a text."));
        }
        boolean alert = ServiceRequests.isServiceRequest(call.source());
        if (alert) {
            return toRecipient(call, to, body, true);
        }
        return callerNumbers.mayActFor(call, to).flatMap(mayText -> mayText ? toRecipient(call, to, body, false)
                : Mono.just(ToolResult.denied(call.request().verifiedAccount() == null ? NOT_VERIFIED : NOT_THEIRS)));
    }

    /** A text to a recipient the request may reach: an opt-out, or a message within the recipient's limits. */
    private Mono<ToolResult> toRecipient(ToolCall call, String to, String body, boolean alert) {
        if (isOptOutRequest(call.argument("action"), body)) {
            return messages.optOut(call.tenantId(), to, "call")
                    .doOnSuccess(v -> log.info("tenant {}: {} opted out of SMS during call {}", call.tenantId(),
                            PhoneNumbers.mask(to), call.callSid()))
                    .thenReturn(ToolResult.ok(Map.of("opted_out", true)));
        }
        if (body == null || body.length() > properties.maxBodyChars()) {
            return Mono.just(ToolResult.failed("I need the text of the message, at most "
                    + properties.maxBodyChars() + " characters, before I can send it."));
        }
        if ("false".equalsIgnoreCase(call.argument("consent"))) {
            return Mono.just(ToolResult.denied("I won't send a text without your agreement."));
        }
        Optional<String> from = sender(call.tenantId());
        if (from.isEmpty()) {
            return Mono.just(ToolResult.failed("Texts can't be sent from this line, so I can't do that."));
        }
        return messages.isOptedOut(call.tenantId(), to)
                .flatMap(optedOut -> optedOut
                        ? Mono.just(ToolResult.denied("That number has asked not to receive texts from us, "
                                + "so I can't send one."))
                        : claimAndSend(call, to, from.get(), body,
                                alert ? properties.maxAlertsPerHour() : properties.maxPerRecipientPerHour()));
    }

    private Mono<ToolResult> claimAndSend(ToolCall call, String to, String from, String body, int hourlyLimit) {
        String toolCallId = call.request().toolCallId();
        String smsId = smsId(call.tenantId(), toolCallId);
        return messages.claim(call.tenantId(), toolCallId, smsId, call.callSid(), to, from, body.length(),
                        hourlyLimit)
                .flatMap(claim -> switch (claim) {
                    case CLAIMED -> send(call, smsId, to, from, body);
                    case ALREADY_CLAIMED -> settled(call.tenantId(), toolCallId).map(SmsTool::fromStored);
                    case RATE_LIMITED -> Mono.just(ToolResult.denied("I've already sent several texts to that "
                            + "number recently, so I can't send another one right now."));
                });
    }

    private Mono<ToolResult> send(ToolCall call, String smsId, String to, String from, String body) {
        URI statusCallback = URI.create(publicBaseUrl + STATUS_PATH + "?ref=" + smsId);
        return twilio.sendMessage(to, from, body, statusCallback)
                .flatMap(sent -> messages.accepted(call.tenantId(), call.request().toolCallId(), sent.sid(),
                        sent.status()).thenReturn(sentResult(sent)))
                .doOnNext(result -> log.info("tenant {}: SMS {} to {} accepted by Twilio", call.tenantId(), smsId,
                        PhoneNumbers.mask(to)))
                .onErrorResume(e -> notSent(call, to, e));
    }

    /**
     * The message another delivery of this tool call claimed, once that delivery has Twilio's answer (polled for
     * about as long as one Twilio request may take); still unsettled after that, it is reported as unconfirmed.
     */
    private Mono<SmsRepository.StoredSms> settled(String tenantId, String toolCallId) {
        // not repeatWhenEmpty: past its last repeat that fails the tool (a generic "something went wrong") rather
        // than complete empty, and the caller must hear that the text is unconfirmed, not that it failed
        return Flux.range(0, settlePolls())
                .concatMap(poll -> (poll == 0 ? Mono.<Long>empty() : Mono.delay(SETTLE_POLL_INTERVAL))
                        .then(messages.find(tenantId, toolCallId))
                        .filter(stored -> !SmsRepository.CLAIMED.equals(stored.status())))
                .next()
                .switchIfEmpty(Mono.defer(() -> messages.find(tenantId, toolCallId)));
    }

    private int settlePolls() {
        return (int) (twilio.timeout().toMillis() / SETTLE_POLL_INTERVAL.toMillis()) + 5;
    }

    /** Twilio did not confirm: a certain refusal is recorded as rejected, anything else as unknown (never resent). */
    private Mono<ToolResult> notSent(ToolCall call, String to, Throwable error) {
        String toolCallId = call.request().toolCallId();
        Integer code = TwilioFailures.code(error);
        boolean certain = TwilioFailures.notSent(error);
        log.warn("tenant {}: SMS for tool call {} to {} not confirmed ({}, code {}): {}", call.tenantId(), toolCallId,
                PhoneNumbers.mask(to), certain ? "not sent" : "outcome unknown", code, error.getClass().getSimpleName());
        Mono<Void> record = messages.notAccepted(call.tenantId(), toolCallId,
                certain ? SmsRepository.REJECTED : SmsRepository.UNKNOWN, code);
        if (code != null && code == TwilioFailures.UNSUBSCRIBED_RECIPIENT) {
            return record.then(messages.optOut(call.tenantId(), to, "twilio-21610"))
                    .thenReturn(ToolResult.denied("That number has asked not to receive texts from us, "
                            + "so I can't send one."));
        }
        return record.thenReturn(ToolResult.failed(reason(error, certain)));
    }

    private static String reason(Throwable error, boolean certain) {
        if (error instanceof CallNotPermittedException) {
            return "Texts can't be sent right now. I can arrange a callback instead.";
        }
        if (certain) {
            return "The text couldn't be sent to that number. I can arrange a callback instead.";
        }
        return "I couldn't confirm that the text went out, and I won't send it twice. "
                + "If it doesn't arrive, I can arrange a callback.";
    }

    private Optional<String> sender(String tenantId) {
        String configured = properties.senders().get(tenantId);
        if (configured != null && !configured.isBlank()) {
            return Optional.of(configured);
        }
        return tenants.byId(tenantId).map(TenantConfigPublished::phoneNumbers)
                .filter(numbers -> !numbers.isEmpty()).map(numbers -> numbers.get(0));
    }

    private static ToolResult sentResult(SentMessage sent) {
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("sent", true);
        output.put("message_sid", sent.sid());
        output.put("status", sent.status());
        return ToolResult.ok(output);
    }

    /** The answer for a message another delivery of this tool call already claimed. */
    static ToolResult fromStored(SmsRepository.StoredSms stored) {
        if (stored.messageSid() != null) {
            return sentResult(new SentMessage(stored.messageSid(), stored.status()));
        }
        if (SmsRepository.REJECTED.equals(stored.status())) {
            return ToolResult.failed("The text couldn't be sent to that number. I can arrange a callback instead.");
        }
        return ToolResult.failed("I couldn't confirm that the text went out, and I won't send it twice. "
                + "If it doesn't arrive, I can arrange a callback.");
    }

    static boolean isOptOutRequest(String action, String body) {
        return "opt_out".equalsIgnoreCase(action)
                || (body != null && STOP_KEYWORDS.contains(body.trim().toUpperCase(Locale.ROOT)));
    }

    /** Deterministic per (tenant, tool call); it names the message in its status callback URL. */
    static String smsId(String tenantId, String toolCallId) {
        return "sms_" + UUID.nameUUIDFromBytes((tenantId + ":" + toolCallId).getBytes(StandardCharsets.UTF_8))
                .toString().replace("-", "");
    }
}
