/** Naming the services a server (any transport) serves: one descriptor and its handler, or several. */
import type { ServiceDescriptor } from "../service.js";
import type { Registration } from "./processor.js";

/** Registers `handler` for `descriptor`, type-checking the handler against the service. */
export function implement<H>(descriptor: ServiceDescriptor<any, H>, handler: H): Registration {
  return { descriptor: descriptor as ServiceDescriptor, handler };
}

/** Services by name (`{ Calc: implement(Calc, handler) }`), or a list named by their descriptors. */
export type ServiceRegistrations = Readonly<Record<string, Registration>> | readonly Registration[];

/** True for a service descriptor (what generated code exports for a service). */
export function isDescriptor(value: unknown): value is ServiceDescriptor<any, any> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as ServiceDescriptor).createClient === "function" &&
    typeof (value as ServiceDescriptor).methods === "object"
  );
}

/**
 * The services of a `create...(descriptor, handler, options)` or `create...(services, options)` call,
 * and its options.
 */
export function servicesOf<O>(first: ServiceDescriptor<any, any> | ServiceRegistrations, second: unknown, third: O | undefined): [Record<string, Registration>, O | undefined] {
  if (isDescriptor(first)) return [{ [first.name]: implement(first, second) }, third];
  const options = second as O | undefined;
  if (Array.isArray(first)) {
    const services: Record<string, Registration> = {};
    for (const reg of first as readonly Registration[]) services[reg.descriptor.name] = reg;
    return [services, options];
  }
  return [{ ...(first as Readonly<Record<string, Registration>>) }, options];
}
