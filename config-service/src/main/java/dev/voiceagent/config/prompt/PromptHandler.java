package dev.voiceagent.config.prompt;

import dev.voiceagent.config.publish.ConfigChanges;
import dev.voiceagent.config.publish.ConfigChanges.Change;
import dev.voiceagent.config.support.Actors;
import dev.voiceagent.config.support.Ids;
import dev.voiceagent.config.support.JsonFields;
import dev.voiceagent.config.tenant.TenantRepository;
import dev.voiceagent.support.Problems;
import java.util.List;
import java.util.Set;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * The prompt library: {@code PUT …/prompts/{key}} ({@code {"text": …}}) appends a version every time; {@code GET}
 * lists the prompts, reads the latest version with the version history, or one version.
 */
@RestController
@RequestMapping("/api/v1/admin/tenants/{tenant_id}/prompts")
public class PromptHandler {

    static final int MAX_TEXT = 32_000;

    /** A prompt's latest version and the versions that exist. */
    public record PromptDetail(String key, int version, String text, java.time.Instant createdAt,
                               List<Integer> versions) {
    }

    private final TenantRepository tenants;
    private final PromptRepository prompts;
    private final ConfigChanges changes;

    public PromptHandler(TenantRepository tenants, PromptRepository prompts, ConfigChanges changes) {
        this.tenants = tenants;
        this.prompts = prompts;
        this.changes = changes;
    }

    @PutMapping("/{key}")
    @ResponseStatus(HttpStatus.CREATED)
    public Mono<PromptVersion> put(@PathVariable("tenant_id") String tenantId, @PathVariable("key") String key,
                                   @RequestBody JsonNode body,
                                   @RequestHeader(name = Actors.HEADER, required = false) String actor) {
        return tenants.requireExisting(tenantId)
                .then(Mono.fromCallable(() -> {
                    Ids.requireKey("key", key);
                    return JsonFields.body(body, Set.of("text")).requiredString("text", MAX_TEXT);
                }))
                .flatMap(text -> changes.apply(new Change(tenantId, Actors.of(actor), "prompt.version_created"),
                        prompts.latest(tenantId, key), prompts.append(tenantId, key, text)))
                .onErrorMap(DataIntegrityViolationException.class,
                        e -> Problems.conflict("A concurrent write created the same version of '" + key + "'; retry."));
    }

    @GetMapping
    public Mono<List<PromptSummary>> list(@PathVariable("tenant_id") String tenantId) {
        return tenants.requireExisting(tenantId).then(prompts.list(tenantId).collectList());
    }

    @GetMapping("/{key}")
    public Mono<PromptDetail> latest(@PathVariable("tenant_id") String tenantId, @PathVariable("key") String key) {
        return tenants.requireExisting(tenantId)
                .then(prompts.versions(tenantId, key).collectList())
                .filter(versions -> !versions.isEmpty())
                .switchIfEmpty(Mono.error(() -> noPrompt(key)))
                .map(versions -> new PromptDetail(key, versions.get(0).version(), versions.get(0).text(),
                        versions.get(0).createdAt(), versions.stream().map(PromptVersion::version).toList()));
    }

    @GetMapping("/{key}/versions/{version}")
    public Mono<PromptVersion> version(@PathVariable("tenant_id") String tenantId, @PathVariable("key") String key,
                                       @PathVariable("version") int version) {
        return tenants.requireExisting(tenantId)
                .then(prompts.version(tenantId, key, version))
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No version " + version + " of prompt '" + key + "'.")));
    }

    private static RuntimeException noPrompt(String key) {
        return Problems.notFound("No prompt '" + key + "'.");
    }

}
