import { FastifyRequest } from 'fastify';
import { GatewayPrincipal } from '../gateway/auth/gateway-principal';

/** A proxy request once its gateway key is authenticated. */
export type ProxyRequest = FastifyRequest & { user: GatewayPrincipal };
