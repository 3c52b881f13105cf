import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';

export type ClientKind = 'anthropic-sdk' | 'openai-chat-sdk' | 'openai-responses-sdk' | 'genai-sdk';

export const CLIENT_KINDS: ClientKind[] = [
  'anthropic-sdk',
  'openai-chat-sdk',
  'openai-responses-sdk',
  'genai-sdk',
];

/** A stream that ended with its protocol's own failure event (Responses' `response.failed`). */
export class InBandStreamError extends Error {
  constructor(
    readonly event: string,
    readonly partialText: string,
  ) {
    super(`stream ended with ${event}`);
  }
}

export interface AskOptions {
  /** The user message; "hi" unless set. */
  prompt?: string;
  /** A system prompt / instructions / systemInstruction, in the client's own field. */
  system?: string;
}

/** Sends one prompt with an official SDK, streaming or not, and returns the text it assembled. */
export async function ask(
  baseUrl: string,
  client: ClientKind,
  key: string,
  stream: boolean,
  session: string,
  options: AskOptions = {},
): Promise<string> {
  const model = 'claude-sonnet-4-6';
  const prompt = options.prompt ?? 'hi';
  const system = options.system;
  switch (client) {
    case 'anthropic-sdk': {
      const sdk = new Anthropic({ baseURL: baseUrl, apiKey: key, maxRetries: 0 });
      const params = {
        model,
        max_tokens: 64,
        ...(system ? { system } : {}),
        messages: [{ role: 'user' as const, content: prompt }],
      };
      const headers = { 'x-claude-code-session-id': session };
      if (!stream) {
        const message = await sdk.messages.create(params, { headers });
        return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      }
      return await sdk.messages.stream(params, { headers }).finalText();
    }
    case 'openai-chat-sdk': {
      const sdk = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: key, maxRetries: 0 });
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
        ...(system ? [{ role: 'system' as const, content: system }] : []),
        { role: 'user', content: prompt },
      ];
      if (!stream) {
        const completion = await sdk.chat.completions.create({ model, messages, user: session });
        return completion.choices[0]?.message.content ?? '';
      }
      const chunks = await sdk.chat.completions.create({
        model,
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      for await (const chunk of chunks) text += chunk.choices[0]?.delta.content ?? '';
      return text;
    }
    case 'openai-responses-sdk': {
      const sdk = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: key, maxRetries: 0 });
      const base = {
        model,
        input: prompt,
        prompt_cache_key: session,
        ...(system ? { instructions: system } : {}),
      };
      if (!stream) {
        const response = await sdk.responses.create(base);
        return response.output_text;
      }
      const events = await sdk.responses.create({ ...base, stream: true });
      let text = '';
      let completed = false;
      for await (const event of events) {
        if (event.type === 'response.output_text.delta') text += event.delta;
        if (event.type === 'response.completed') completed = true;
        // The SDK yields these terminal failure events instead of throwing: a client sees them.
        if (event.type === 'response.failed' || event.type === 'error') {
          throw new InBandStreamError(event.type, text);
        }
      }
      if (!completed) throw new Error('Responses stream ended without response.completed');
      return text;
    }
    case 'genai-sdk': {
      const sdk = new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl } });
      const config = system ? { systemInstruction: system } : undefined;
      if (!stream) {
        const response = await sdk.models.generateContent({ model, contents: prompt, config });
        return response.text ?? '';
      }
      let text = '';
      for await (const chunk of await sdk.models.generateContentStream({
        model,
        contents: prompt,
        config,
      }))
        text += chunk.text ?? '';
      return text;
    }
  }
}
