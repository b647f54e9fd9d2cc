// The same polyfill the local gateway loads: aws-local-stepfunctions needs Promise.withResolvers (Node 22+).
import '../cli/polyfills';
