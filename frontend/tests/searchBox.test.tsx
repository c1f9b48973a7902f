import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { SearchBox } from "../src/components/SearchBox";
import { fakeApi, renderApp } from "./harness";

describe("search box", () => {
  it("given another page, when Enter is pressed, then the search page opens with the words", async () => {
    const user = userEvent.setup();
    renderApp(<SearchBox />, { api: fakeApi({}), path: "/products/p1" });
    await user.type(screen.getByRole("searchbox", { name: "Search" }), "copper kettle{Enter}");
    expect(screen.getByTestId("location")).toHaveTextContent("/search?q=copper+kettle");
  });

  it("given the search page with filters, when new words are typed, then after a pause the URL has the words, the sort kept and the filters reset", async () => {
    const user = userEvent.setup();
    renderApp(<SearchBox />, { api: fakeApi({}), path: "/search?q=old&brand=Sonara&sort=newest" });
    const box = screen.getByRole("searchbox", { name: "Search" });
    expect(box).toHaveValue("old");
    await user.clear(box);
    await user.type(box, "kettle");
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(/^\/search\?q=kettle&sort=newest$/));
  });
});
