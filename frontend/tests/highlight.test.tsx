import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { decodeEntities, Highlight, parseHighlight } from "../src/lib/highlight";

describe("highlights", () => {
  it("given a fragment with em markers, when parsed, then marks exactly the matched parts", () => {
    expect(parseHighlight("Sonara <em>Wireless</em> Headphones")).toEqual([
      { text: "Sonara ", em: false },
      { text: "Wireless", em: true },
      { text: " Headphones", em: false },
    ]);
  });

  it("given escaped text, when decoded, then gives the characters back once", () => {
    expect(decodeEntities("&lt;b&gt; &amp;amp; &quot;q&quot; &#39;s&#x27; &#x1F600;")).toBe("<b> &amp; \"q\" 's' 😀");
    expect(decodeEntities("&bogus; & alone")).toBe("&bogus; & alone");
  });

  it("given a product named as an HTML tag, when its highlight renders, then it shows as text and no element but em exists", () => {
    // What the API returns for a product named <img src=x onerror=alert(1)>, searched for "img".
    const fragment = "&lt;<em>img</em> src=x onerror=alert(1)&gt;";
    const { container } = render(
      <p>
        <Highlight fragment={fragment} text="<img src=x onerror=alert(1)>" />
      </p>,
    );
    expect(container.textContent).toBe("<img src=x onerror=alert(1)>");
    expect(container.querySelector("img")).toBeNull();
    expect([...container.querySelectorAll("p *")].map((e) => e.tagName)).toEqual(["EM"]);
  });

  it("given markup other than em in a fragment, when rendered, then it stays text", () => {
    const { container } = render(
      <p>
        <Highlight fragment={'<script>alert(1)</script><em>x</em><b onclick="y">z</b>'} text="" />
      </p>,
    );
    expect(container.querySelector("script, b")).toBeNull();
    expect(container.textContent).toBe('<script>alert(1)</script>x<b onclick="y">z</b>');
  });

  it("given no fragment, when rendered, then shows the plain text", () => {
    const { container } = render(<Highlight text="<i>plain</i>" />);
    expect(container.textContent).toBe("<i>plain</i>");
    expect(container.querySelector("i")).toBeNull();
  });
});
