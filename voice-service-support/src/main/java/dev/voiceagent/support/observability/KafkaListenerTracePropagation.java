package dev.voiceagent.support.observability;

import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.InfrastructureFailures;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.StaticMethodMatcherPointcutAdvisor;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.kafka.annotation.KafkaHandler;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Keeps a Kafka consumer's trace in the reactive pipeline its {@code @KafkaListener} method returns, so that the
 * events the pipeline publishes carry the consumed record's trace.
 *
 * <p>Spring Kafka opens the listener observation around the method call and subscribes to a returned
 * {@link Mono} with {@code toFuture()}, which captures no thread-locals: the pipeline's later stages (after a
 * database round trip, on another thread) would run without the observation and the producer would start a new
 * trace. This post-processor snapshots the thread-locals (the current observation among them) when the method
 * returns and writes them into the pipeline's Reactor context, from which automatic context propagation
 * ({@code spring.reactor.context-propagation=auto}) restores them on every thread the pipeline runs on.
 *
 * <p>The returned pipeline also waits out a database outage: a pipeline that fails because the database is
 * unreachable is run again with back-off for up to {@code voice.kafka.outage-retry}. Spring Kafka does not redeliver
 * a record whose asynchronous result failed (the fault drill showed such records lost after a 10 s outage), so the
 * wait has to happen here, while the record is still in flight; its offset is not committed before it completes.
 * Only unreachable-database failures are retried, so no effect with an unknown outcome (a timed-out SMS) repeats.
 *
 * <p>It runs before Spring Kafka's annotation post-processor, so the listener endpoints are registered on the
 * proxy; a bean that is already a Spring AOP proxy gets one more advisor instead of a second proxy.
 */
public class KafkaListenerTracePropagation implements BeanPostProcessor, BeanClassLoaderAware, Ordered {

    private static final Logger log = LoggerFactory.getLogger(KafkaListenerTracePropagation.class);

    private final StaticMethodMatcherPointcutAdvisor advisor;

    public KafkaListenerTracePropagation() {
        this(Duration.ZERO);
    }

    /** @param outageRetry how long a listener's pipeline may wait out an unreachable database ({@code 0}: not at all) */
    public KafkaListenerTracePropagation(Duration outageRetry) {
        this.advisor = new StaticMethodMatcherPointcutAdvisor(new ContextCapturingInterceptor(outageRetry)) {
            @Override
            public boolean matches(Method method, Class<?> targetClass) {
                return isReactiveListener(method);
            }
        };
    }

    private ClassLoader classLoader = ClassUtils.getDefaultClassLoader();

    @Override
    public int getOrder() {
        // Spring Kafka's KafkaListenerAnnotationBeanPostProcessor has the lowest precedence; run just before it
        return Ordered.LOWEST_PRECEDENCE - 10;
    }

    @Override
    public void setBeanClassLoader(ClassLoader classLoader) {
        this.classLoader = classLoader;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        Class<?> target = AopUtils.getTargetClass(bean);
        List<Method> listeners = Arrays.stream(ReflectionUtils.getUniqueDeclaredMethods(target))
                .filter(KafkaListenerTracePropagation::isReactiveListener).toList();
        // a proxy cannot intercept final classes or private methods (Spring Kafka would then refuse the proxy)
        if (listeners.isEmpty() || Modifier.isFinal(target.getModifiers())
                || listeners.stream().anyMatch(m -> Modifier.isPrivate(m.getModifiers()) || Modifier.isFinal(m.getModifiers()))) {
            return bean;
        }
        if (bean instanceof Advised advised && !advised.isFrozen()) {
            advised.addAdvisor(0, advisor);
            return bean;
        }
        ProxyFactory proxy = new ProxyFactory(bean);
        proxy.setProxyTargetClass(true);
        proxy.addAdvisor(advisor);
        return proxy.getProxy(classLoader);
    }

    static boolean isReactiveListener(Method method) {
        boolean listener = AnnotatedElementUtils.hasAnnotation(method, KafkaListener.class)
                || AnnotatedElementUtils.hasAnnotation(method, KafkaHandler.class);
        return listener && (Mono.class.isAssignableFrom(method.getReturnType())
                || Flux.class.isAssignableFrom(method.getReturnType()));
    }

    /** Writes the thread-locals of the listener call into the returned pipeline's context. */
    static final class ContextCapturingInterceptor implements MethodInterceptor {

        private final ContextSnapshotFactory snapshots = ContextSnapshotFactory.builder().build();
        private final Duration outageRetry;

        ContextCapturingInterceptor(Duration outageRetry) {
            this.outageRetry = outageRetry;
        }

        @Override
        public Object invoke(MethodInvocation invocation) throws Throwable {
            Object result = invocation.proceed();
            CallLogContext.Call call = callOf(invocation.getArguments());
            if (result instanceof Mono<?> mono) {
                ContextSnapshot snapshot = snapshots.captureAll();
                return waitingOutOutages(mono).contextWrite(context -> tagged(snapshot.updateContext(context), call));
            }
            if (result instanceof Flux<?> flux) {
                ContextSnapshot snapshot = snapshots.captureAll();
                return flux.contextWrite(context -> tagged(snapshot.updateContext(context), call));
            }
            return result;
        }

        private <T> Mono<T> waitingOutOutages(Mono<T> pipeline) {
            if (outageRetry.isZero() || outageRetry.isNegative()) {
                return pipeline;
            }
            return Mono.defer(() -> {
                long deadline = System.nanoTime() + outageRetry.toNanos();
                return pipeline.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200))
                        .maxBackoff(Duration.ofSeconds(5))
                        .filter(e -> InfrastructureFailures.isDatabaseUnreachable(e) && System.nanoTime() < deadline)
                        .doBeforeRetry(signal -> log.warn("listener waiting out a database outage (attempt {}): {}",
                                signal.totalRetries() + 1, signal.failure().toString()))
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()));
            });
        }

        private static reactor.util.context.Context tagged(reactor.util.context.Context context,
                                                           CallLogContext.Call call) {
            return call == null ? context : CallLogContext.put(context, call.tenantId(), call.callSid());
        }

        /** The call a consumed record belongs to, from the {@code ce_tenantid}/{@code ce_callsid} headers. */
        static CallLogContext.Call callOf(Object[] arguments) {
            for (Object argument : arguments) {
                if (argument instanceof org.apache.kafka.clients.consumer.ConsumerRecord<?, ?> record) {
                    String tenant = header(record, EventPublisher.TENANT_HEADER);
                    String callSid = header(record, EventPublisher.CALL_SID_HEADER);
                    return tenant == null && callSid == null ? null : new CallLogContext.Call(tenant, callSid);
                }
            }
            return null;
        }

        private static String header(org.apache.kafka.clients.consumer.ConsumerRecord<?, ?> record, String name) {
            var header = record.headers().lastHeader(name);
            return header == null ? null : new String(header.value(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
