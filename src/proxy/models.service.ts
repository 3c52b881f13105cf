import { Injectable } from '@nestjs/common';
import { GatewayPrincipal } from '../gateway/auth/gateway-principal';
import { isModelAllowed } from '../routing/model-patterns';
import { ProviderDirectory } from './provider-directory.service';

/**
 * The models a key may use: concrete names from the allowlists and redirect sources of enabled
 * providers in the caller's group, filtered by the user's allowed models. Patterns (`prefix*`)
 * cannot be listed, so a provider that takes every model contributes only its redirect names.
 */
@Injectable()
export class ModelsService {
  constructor(private readonly directory: ProviderDirectory) {}

  async modelsFor(principal: GatewayPrincipal): Promise<string[]> {
    const names = new Set<string>();
    for (const { entity } of await this.directory.enabled()) {
      if (!entity.groups.includes(principal.providerGroup)) continue;
      for (const name of [...entity.models, ...Object.keys(entity.modelRedirects)]) {
        if (!name.endsWith('*')) names.add(name);
      }
    }
    return [...names].filter((name) => isModelAllowed(principal.allowedModels, name)).sort();
  }

  /** `GET /v1/models` as the Anthropic API answers it. */
  anthropicShape(ids: string[]): unknown {
    const createdAt = new Date(0).toISOString();
    return {
      data: ids.map((id) => ({ type: 'model', id, display_name: id, created_at: createdAt })),
      has_more: false,
      first_id: ids[0] ?? null,
      last_id: ids[ids.length - 1] ?? null,
    };
  }

  /** `GET /v1/models` as the OpenAI API answers it. */
  openAiShape(ids: string[]): unknown {
    return {
      object: 'list',
      data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'cch' })),
    };
  }
}
