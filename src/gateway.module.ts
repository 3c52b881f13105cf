import { Module } from '@nestjs/common';
import { UsageRecorder } from './billing/usage-recorder.service';
import { DomainModule } from './domain.module';
import { LimitsModule } from './limits/limits.module';
import { RequestLimits } from './proxy/request-limits';
import { GatewayAuthGuard } from './gateway/auth/gateway-auth.guard';
import { GatewayKeyService } from './gateway/auth/gateway-key.service';
import { AnthropicMessagesController } from './proxy/anthropic-messages.controller';
import { ProxyPipeline } from './proxy/proxy-pipeline.service';
import { ModelsService } from './proxy/models.service';
import { OpenAiGeminiController } from './proxy/openai-gemini.controller';
import { ProviderDirectory } from './proxy/provider-directory.service';
import { ProviderRouter } from './proxy/provider-router.service';

/** The gateway role: the proxy routes the CLIs call, and everything on their hot path. */
@Module({
  imports: [DomainModule, LimitsModule],
  controllers: [AnthropicMessagesController, OpenAiGeminiController],
  providers: [
    GatewayKeyService,
    GatewayAuthGuard,
    ProviderDirectory,
    ProviderRouter,
    UsageRecorder,
    ModelsService,
    ProxyPipeline,
    RequestLimits,
  ],
})
export class GatewayModule {}
