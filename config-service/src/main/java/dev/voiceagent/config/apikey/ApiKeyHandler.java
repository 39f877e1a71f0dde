package dev.voiceagent.config.apikey;

import dev.voiceagent.config.publish.ConfigChanges;
import dev.voiceagent.config.publish.ConfigChanges.Change;
import dev.voiceagent.config.support.Actors;
import dev.voiceagent.config.support.JsonFields;
import dev.voiceagent.config.tenant.TenantRepository;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.tenant.ApiKeys;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Tenant API keys: {@code POST …/api-keys} ({@code name?}, {@code key?} to import a known secret) shows the secret
 * once; {@code GET} lists without secrets; {@code DELETE …/api-keys/{id}} revokes, effective as soon as the new
 * view is published (the answer waits for that).
 */
@RestController
@RequestMapping("/api/v1/admin/tenants/{tenant_id}/api-keys")
public class ApiKeyHandler {

    private static final Pattern IMPORTABLE = Pattern.compile("[\\x21-\\x7e]{4,200}");

    private final TenantRepository tenants;
    private final ApiKeyRepository keys;
    private final ConfigChanges changes;

    public ApiKeyHandler(TenantRepository tenants, ApiKeyRepository keys, ConfigChanges changes) {
        this.tenants = tenants;
        this.keys = keys;
        this.changes = changes;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    public Mono<CreatedApiKey> create(@PathVariable("tenant_id") String tenantId,
                                      @RequestBody(required = false) JsonNode body,
                                      @RequestHeader(name = Actors.HEADER, required = false) String actor) {
        JsonNode request = body == null || body.isNull() ? JsonNodeFactory.instance.objectNode() : body;
        return tenants.requireExisting(tenantId)
                .then(Mono.fromCallable(() -> NewKey.parse(request)))
                .flatMap(newKey -> keys.hashInUse(ApiKeys.hash(newKey.secret()))
                        .flatMap(inUse -> inUse ? Mono.error(keyInUse()) : Mono.just(newKey)))
                .flatMap(newKey -> changes.apply(new Change(tenantId, Actors.of(actor), "api_key.created"),
                        Mono.empty(), insert(tenantId, newKey), CreatedApiKey::listed))
                .onErrorMap(DataIntegrityViolationException.class, e -> keyInUse());
    }

    @GetMapping
    public Mono<List<ApiKey>> list(@PathVariable("tenant_id") String tenantId) {
        return tenants.requireExisting(tenantId).then(keys.list(tenantId).collectList());
    }

    @DeleteMapping("/{key_id}")
    public Mono<ApiKey> revoke(@PathVariable("tenant_id") String tenantId, @PathVariable("key_id") String keyId,
                               @RequestHeader(name = Actors.HEADER, required = false) String actor) {
        return tenants.requireExisting(tenantId)
                .then(keys.find(tenantId, keyId))
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No API key '" + keyId + "'.")))
                .flatMap(key -> key.revoked() ? Mono.just(key)
                        : changes.apply(new Change(tenantId, Actors.of(actor), "api_key.revoked"), Mono.just(key),
                                keys.revoke(tenantId, keyId)));
    }

    private Mono<CreatedApiKey> insert(String tenantId, NewKey newKey) {
        String id = "key_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        return keys.insert(tenantId, id, newKey.name(), newKey.prefix(), ApiKeys.hash(newKey.secret()))
                .map(stored -> new CreatedApiKey(stored.id(), stored.name(), stored.prefix(), newKey.secret(),
                        stored.createdAt()));
    }

    private static RuntimeException keyInUse() {
        var problem = Problems.conflict("That key is already in use.");
        problem.getBody().setProperty("field", "key");
        return problem;
    }

    /** A key about to be stored; the secret is generated unless one is imported. */
    record NewKey(String name, String secret) {

        static NewKey parse(JsonNode body) {
            JsonFields fields = JsonFields.body(body, Set.of("name", "key"));
            String name = fields.optionalString("name", 100).orElse(null);
            String secret = fields.optionalString("key", 200).orElse(null);
            if (secret != null && !IMPORTABLE.matcher(secret).matches()) {
                throw Problems.invalidField("key", "must be 4-200 printable characters without spaces");
            }
            return new NewKey(name, secret != null ? secret : ApiKeys.generate());
        }

        /** Enough to recognise a key in a list, never enough to use it. */
        String prefix() {
            return secret.substring(0, Math.min(secret.startsWith("vk_") ? 7 : 4, secret.length() / 2));
        }

        @Override
        public String toString() {
            return "NewKey[name=" + name + "]";
        }
    }
}
