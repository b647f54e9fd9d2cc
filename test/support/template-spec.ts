import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';

/**
 * The CloudFormation resource schemas of `@aws-cdk/aws-service-spec` (the database aws-cdk-lib's
 * L1 classes are generated from), reduced to what a template check needs. The database carries
 * property names, types, `required` and enum values (`allowedValues`) but no patterns, lengths or
 * numeric ranges: those are not checked.
 */
export type SpecType =
  | { readonly type: 'string'; readonly allowedValues?: readonly string[] }
  | { readonly type: 'integer'; readonly allowedValues?: readonly number[] }
  | { readonly type: 'number' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { readonly type: 'ref'; readonly reference: unknown }
  | { readonly type: 'array' | 'map'; readonly element: SpecType }
  | { readonly type: 'union'; readonly types: readonly SpecType[] };

export interface SpecProperty {
  readonly type: SpecType;
  readonly previousTypes?: readonly SpecType[];
  readonly required?: boolean;
}

export interface SpecShape {
  readonly name: string;
  readonly properties: Readonly<Record<string, SpecProperty>>;
}

export interface SpecResource extends SpecShape {
  readonly cloudFormationType: string;
  readonly attributes: Readonly<Record<string, { readonly type: SpecType }>>;
}

interface Database {
  all(collection: 'resource'): readonly SpecResource[];
  get(collection: 'typeDefinition', reference: unknown): SpecShape;
}

/** Loaded once per process (about 0.7 s): share one instance across a test file. */
export class ResourceSpecs {
  private static loaded?: ResourceSpecs;
  private readonly byType: ReadonlyMap<string, SpecResource>;

  static load(): ResourceSpecs {
    ResourceSpecs.loaded ??= new ResourceSpecs(loadAwsServiceSpecSync() as unknown as Database);
    return ResourceSpecs.loaded;
  }

  private constructor(private readonly db: Database) {
    this.byType = new Map(db.all('resource').map((r) => [r.cloudFormationType, r]));
  }

  resource(type: string): SpecResource | undefined {
    return this.byType.get(type);
  }

  shape(type: Extract<SpecType, { type: 'ref' }>): SpecShape {
    return this.db.get('typeDefinition', type.reference);
  }

  /** `string`, `list<string>`, `QuotaSettings`, `string | integer`…, for messages. */
  describe(type: SpecType): string {
    switch (type.type) {
      case 'ref':
        return this.shape(type).name;
      case 'array':
        return `list<${this.describe(type.element)}>`;
      case 'map':
        return `map<${this.describe(type.element)}>`;
      case 'union':
        return type.types.map((t) => this.describe(t)).join(' | ');
      default:
        return type.type;
    }
  }
}
